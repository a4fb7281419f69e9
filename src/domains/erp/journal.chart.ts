/**
 * The default chart of accounts and the roles the posting templates post to. A company renames
 * or adds accounts through the API; the templates find theirs by role, so a renamed account
 * keeps receiving its postings.
 */

export const ACCOUNT_TYPES = ['asset', 'liability', 'equity', 'revenue', 'expense'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const ACCOUNT_ROLES = {
  cash: '1000',
  receivables: '1100',
  inventory: '1200',
  inputTax: '1300',
  payables: '2000',
  outputTax: '2100',
  goodsReceivedNotInvoiced: '2200',
  equity: '3000',
  sales: '4000',
  salesReturns: '4100',
  shippingRevenue: '4200',
  costOfGoodsSold: '5000',
  inventoryAdjustments: '5100',
  purchasePriceVariance: '5200',
} as const;
export type AccountRole = keyof typeof ACCOUNT_ROLES;

export interface ChartAccount {
  code: string;
  name: string;
  type: AccountType;
}

export const DEFAULT_CHART: readonly ChartAccount[] = [
  { code: '1000', name: 'Cash and bank', type: 'asset' },
  { code: '1100', name: 'Accounts receivable', type: 'asset' },
  { code: '1200', name: 'Inventory', type: 'asset' },
  { code: '1300', name: 'Input tax receivable', type: 'asset' },
  { code: '2000', name: 'Accounts payable', type: 'liability' },
  { code: '2100', name: 'Output tax payable (sales tax / VAT)', type: 'liability' },
  { code: '2200', name: 'Goods received not invoiced', type: 'liability' },
  { code: '3000', name: 'Owner equity', type: 'equity' },
  { code: '4000', name: 'Sales revenue', type: 'revenue' },
  { code: '4100', name: 'Sales returns', type: 'revenue' },
  { code: '4200', name: 'Shipping revenue', type: 'revenue' },
  { code: '5000', name: 'Cost of goods sold', type: 'expense' },
  { code: '5100', name: 'Inventory adjustments and shrinkage', type: 'expense' },
  { code: '5200', name: 'Purchase price variance', type: 'expense' },
];

/** Debit-normal accounts grow with debits; the others with credits (for signed balances). */
export function isDebitNormal(type: AccountType): boolean {
  return type === 'asset' || type === 'expense';
}
