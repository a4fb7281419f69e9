import { defineError } from '../kernel/errors.js';

/** Error codes of the API layer (the generic HTTP ones live in KernelErrors). */
export const ApiErrors = {
  SCOPE_INVALID: defineError({ code: 'API_SCOPE_INVALID', status: 400, title: 'Unknown API scope' }),
  KEY_NOT_FOUND: defineError({ code: 'API_KEY_NOT_FOUND', status: 404, title: 'No such API key' }),
  KEY_INPUT_INVALID: defineError({
    code: 'API_KEY_INPUT_INVALID',
    status: 400,
    title: 'Invalid API key request',
  }),
  BAD_REQUEST: defineError({ code: 'BAD_REQUEST', status: 400, title: 'Bad request' }),
  PLUGIN_INVALID: defineError({ code: 'API_PLUGIN_INVALID', status: 500, title: 'Invalid API plugin' }),
};
