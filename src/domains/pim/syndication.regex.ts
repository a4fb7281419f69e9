/**
 * The guard against catastrophic backtracking in the regular expressions of channel transforms.
 * A self-contained check over a pattern's source (and over a parsed expression's regex literals),
 * separate from compiling because it is an algorithm of its own, with its own reasoning to review.
 */

/** The quantifier starting at `i`, if any: `repeat` (*, +, {n,}, {n,m}, {n} with n > 1) or `once`. */
function quantifierAt(source: string, i: number): 'repeat' | 'once' | undefined {
  const c = source[i];
  if (c === '*' || c === '+') return 'repeat';
  if (c === '?') return 'once';
  if (c !== '{') return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
  if (!m) return undefined;
  const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
  return max > 1 ? 'repeat' : 'once';
}

/**
 * Whether a pattern can backtrack exponentially in the classic ways: a repeated group that itself
 * contains a repetition (`(a+)+`, `(\w*\s?)*`) or a backreference. JavaScript regular expressions
 * cannot be interrupted, so such a pattern would stall the process on one crafted value whatever
 * the step and time budget. Polynomial cases (`a*a*a*b`) pass: their cost stays bounded by the
 * length of attribute values.
 */
function unsafePattern(source: string): boolean {
  const groups: boolean[] = [false]; // per open group: whether it contains a repetition
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      if (/[1-9k]/.test(source[i + 1] ?? '')) return true;
      i++;
    } else if (c === '[') {
      // A character class is one atom; `]` right after `[` or `[^` is a literal.
      i += source[i + 1] === '^' ? 2 : 1;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (c === '(') {
      groups.push(false);
    } else if (c === ')') {
      const repeatsInside = groups.pop() ?? false;
      if (groups.length === 0) return true;
      const repeated = quantifierAt(source, i + 1) === 'repeat';
      if (repeated && repeatsInside) return true;
      if (repeatsInside) groups[groups.length - 1] = true;
    } else if (quantifierAt(source, i) === 'repeat') {
      groups[groups.length - 1] = true;
    }
  }
  return false;
}

/** The first regular expression literal of an expression that `unsafePattern` refuses. */
export function unsafeRegexIn(ast: unknown): { source: string; position: number | undefined } | undefined {
  // Regex literals are the only way to build a regular expression in JSONata (string arguments of
  // $match/$replace are matched literally), so checking the parsed tree covers every one of them.
  const seen = new Set<object>();
  const visit = (node: unknown): { source: string; position: number | undefined } | undefined => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return undefined;
    seen.add(node);
    const n = node as { type?: unknown; value?: unknown; position?: unknown };
    if (n.type === 'regex' && n.value instanceof RegExp && unsafePattern(n.value.source))
      return { source: n.value.source, position: typeof n.position === 'number' ? n.position : undefined };
    for (const child of Object.values(node)) {
      const found = visit(child);
      if (found) return found;
    }
    return undefined;
  };
  return visit(ast);
}
