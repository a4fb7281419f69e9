import { assertOwnership } from '../../kernel/ownership.js';
import { inputValidator } from '../../kernel/validate.js';
import type { AccountType } from './journal.chart.js';
import { JournalErrors } from './journal.errors.js';
import type { ErpAccountRow } from './journal.schema.js';
import { type Account, type AccountInput, AccountInputSchema } from './journal.types.js';
import type { ErpDeps } from './ledger.service.js';

/**
 * The chart of accounts. An account is never deleted (entries name it); it is deactivated, and
 * then refuses new postings. Its type cannot change once it has postings: that would silently
 * move history between the balance sheet and the income statement.
 */

const checkAccount = inputValidator(AccountInputSchema, 'account');

const toAccount = (r: ErpAccountRow): Account => ({
  code: r.code,
  name: r.name,
  type: r.type as AccountType,
  active: Number(r.active) === 1,
});

export function createAccountService(deps: ErpDeps) {
  const { store, clock, audit } = deps;
  return {
    async list(): Promise<Account[]> {
      const rows = await store.db.selectFrom('erp_accounts').selectAll().orderBy('code').execute();
      return (rows as ErpAccountRow[]).map(toAccount);
    },

    async get(code: string): Promise<Account> {
      const row = await store.db
        .selectFrom('erp_accounts')
        .selectAll()
        .where('code', '=', code)
        .executeTakeFirst();
      if (!row) throw JournalErrors.ACCOUNT_NOT_FOUND.create(`no account "${code}"`);
      return toAccount(row as ErpAccountRow);
    },

    /** Create or replace an account by code. */
    async put(input: AccountInput): Promise<Account> {
      const a = checkAccount(input);
      await assertOwnership(deps, 'erp', `account:${a.code}`, ['name', 'type', 'active']);
      return store.tx(async (tx) => {
        const before = (await tx
          .selectFrom('erp_accounts')
          .selectAll()
          .where('code', '=', a.code)
          .executeTakeFirst()) as ErpAccountRow | undefined;
        if (before && before.type !== a.type) {
          const used = await tx
            .selectFrom('erp_account_balances')
            .select('account')
            .where('account', '=', a.code)
            .limit(1)
            .executeTakeFirst();
          if (used)
            throw JournalErrors.ACCOUNT_TYPE_LOCKED.create(
              `account ${a.code} has postings as ${before.type}; open a new account instead`,
            );
        }
        const now = clock.now().toISOString();
        const row: ErpAccountRow = {
          code: a.code,
          name: a.name.trim(),
          type: a.type,
          active: a.active === false ? 0 : 1,
          created_at: before?.created_at ?? now,
          updated_at: now,
        };
        if (before) await tx.updateTable('erp_accounts').set(row).where('code', '=', a.code).execute();
        else await tx.insertInto('erp_accounts').values(row).execute();
        await audit.record(tx, {
          action: before ? 'erp.account.updated' : 'erp.account.created',
          target: `account:${a.code}`,
          before: before ? toAccount(before) : undefined,
          after: toAccount(row),
        });
        return toAccount(row);
      });
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
