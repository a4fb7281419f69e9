import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';

/** SQL predicate for subscription type patterns (exact, `prefix.*`, `*`); undefined = all. */
export function typeFilter(
  patterns: readonly string[],
): ((eb: ExpressionBuilder<any, any>) => Expression<SqlBool>) | undefined {
  if (patterns.some((p) => p === '*' || p === '>')) return undefined;
  const exact = patterns.filter((p) => !p.endsWith('.*') && !p.endsWith('.>'));
  const prefixes = patterns.filter((p) => p.endsWith('.*') || p.endsWith('.>')).map((p) => p.slice(0, -1));
  return (eb) => {
    const ors: Expression<SqlBool>[] = [];
    if (exact.length > 0) ors.push(eb('type', 'in', exact));
    for (const p of prefixes) ors.push(eb('type', 'like', `${p}%`));
    return eb.or(ors);
  };
}
