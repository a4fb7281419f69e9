import { currentContext, type OperationContext } from './context.js';
import { KernelErrors } from './errors.js';
import type { AuditLog } from './ports/audit.js';
import type { RoleScope, Scope, ScopeDomain } from './ports/http.js';
import type { Store } from './ports/store.js';

/**
 * Data ownership: each domain is the system of record for its data (DESIGN.md, "Domains and what
 * they own") and only it, or a caller it granted `<domain>:write`, writes it. A refused write is
 * audited, so that systems fighting over a field show up in the audit trail.
 */

/** Does a caller holding `granted` satisfy the single scope `required`? */
export function grants(granted: readonly string[], required: Scope): boolean {
  if (granted.includes('*') || granted.includes(required)) return true;
  if (required.endsWith(':read')) {
    const domain = required.slice(0, -':read'.length);
    return granted.some((g) => g === `${domain}:write` || g.startsWith(`${domain}:`));
  }
  return false;
}

/**
 * Whether the operation in progress may write `owner`'s data. Callers that authenticated carry
 * scopes; in-process actors without scopes are trusted only when they are the owner itself, an
 * operator at the CLI, or code outside any operation (the composition root, tests).
 */
export function mayWrite(owner: ScopeDomain, ctx: OperationContext | undefined = currentContext()): boolean {
  if (!ctx) return true;
  if (ctx.scopes) return grants(ctx.scopes, `${owner}:write`);
  const actor = ctx.actor;
  return (
    actor.startsWith('cli:') ||
    actor === `system:${owner}` ||
    actor.startsWith(`system:${owner}/`) ||
    actor.startsWith(`system:bus/${owner}.`)
  );
}

/** Whether the operation holds a workflow role (scoped callers) — trusted actors hold every role of their domain. */
export function hasRole(role: RoleScope, ctx: OperationContext | undefined = currentContext()): boolean {
  if (!ctx?.scopes) return mayWrite(role.split(':')[0] as ScopeDomain, ctx);
  return grants(ctx.scopes, role);
}

/**
 * Throw OWNERSHIP_VIOLATION unless the operation may write `owner`'s data; the refusal is
 * recorded in the audit trail in its own transaction (the caller's write never happens).
 */
export async function assertOwnership(
  deps: { store: Store; audit: AuditLog },
  owner: ScopeDomain,
  target: string,
  fields: readonly string[],
): Promise<void> {
  const ctx = currentContext();
  if (mayWrite(owner, ctx)) return;
  const actor = ctx?.actor ?? 'system:unknown';
  await deps.store.tx((tx) =>
    deps.audit.record(tx, {
      actor,
      requestId: ctx?.requestId,
      action: `${owner}.ownership.violation`,
      target,
      after: { fields, actor },
    }),
  );
  throw KernelErrors.OWNERSHIP_VIOLATION.create(
    `${actor} may not write ${fields.length > 0 ? fields.join(', ') : 'this data'}: ${owner} owns it`,
    { owner, fields },
  );
}
