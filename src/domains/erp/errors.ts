import { defineError } from '../../kernel/errors.js';

/**
 * The ERP's error codes. Those that list problems carry `errors: [{ field, code, message }]`, every
 * problem of the request at once (as PIM_PRODUCT_INVALID does).
 */
export const ErpErrors = {
  LOCATION_NOT_FOUND: defineError({ code: 'ERP_LOCATION_NOT_FOUND', status: 404, title: 'No such location' }),
  LOCATION_EXISTS: defineError({
    code: 'ERP_LOCATION_EXISTS',
    status: 409,
    title: 'A location with this code exists',
  }),
  /** `errors` lists every problem. */
  LOCATION_INVALID: defineError({
    code: 'ERP_LOCATION_INVALID',
    status: 422,
    title: 'Location is invalid',
  }),
  LOCATION_IN_USE: defineError({
    code: 'ERP_LOCATION_IN_USE',
    status: 409,
    title: 'Location holds stock history or feeds a channel; deactivate it instead',
  }),
  ITEM_NOT_FOUND: defineError({ code: 'ERP_ITEM_NOT_FOUND', status: 404, title: 'No such SKU in the ERP' }),
  /** A batch of movements failed validation; `errors` lists every problem, by `movements[i].field`. */
  MOVEMENT_INVALID: defineError({
    code: 'ERP_MOVEMENT_INVALID',
    status: 422,
    title: 'Movement is invalid',
  }),
  /** A movement would take a bucket below zero; `errors` names each shortage. Nothing was written. */
  INSUFFICIENT_STOCK: defineError({
    code: 'ERP_INSUFFICIENT_STOCK',
    status: 409,
    title: 'Not enough stock for the movement',
  }),
  /** A reference was used before with different content; `errors` names each. */
  REFERENCE_CONFLICT: defineError({
    code: 'ERP_REFERENCE_CONFLICT',
    status: 409,
    title: 'Movement reference already used with different content',
  }),
  RESERVATION_NOT_FOUND: defineError({
    code: 'ERP_RESERVATION_NOT_FOUND',
    status: 404,
    title: 'No such reservation',
  }),
  RESERVATION_STATE: defineError({
    code: 'ERP_RESERVATION_STATE',
    status: 409,
    title: 'The reservation is not in a state that allows this',
  }),
  CHANNEL_NOT_FOUND: defineError({
    code: 'ERP_CHANNEL_NOT_FOUND',
    status: 404,
    title: 'No stock sources configured for this channel',
  }),
  /** Channel sources or stock settings that name unknown locations, etc.; `errors` lists them. */
  SETTINGS_INVALID: defineError({
    code: 'ERP_SETTINGS_INVALID',
    status: 422,
    title: 'Inventory settings are invalid',
  }),
};

/** One problem of a request, as listed in `errors`. */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}
