import { Type } from '@sinclair/typebox';

/** Money in the canonical model: integer minor units and an ISO 4217 code. */
export const MoneySchema = Type.Object(
  {
    amount: Type.Integer({ description: 'Integer minor units (cents)' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' }),
  },
  { $id: 'Money' },
);
