import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { KernelErrors } from './errors.js';

const MAX_ERRORS = 20;

/**
 * A compiled input check for commands called in-process (the API validates the same schemas
 * itself): throws VALIDATION_FAILED listing `{ field, code, message }` per problem.
 */
export function inputValidator<S extends TSchema>(schema: S, what: string) {
  const check = TypeCompiler.Compile(schema);
  return (input: unknown): Static<S> => {
    if (check.Check(input)) return input as Static<S>;
    const errors = [...check.Errors(input)].slice(0, MAX_ERRORS).map((e) => ({
      field: e.path || '/',
      code: 'SCHEMA',
      message: e.message,
    }));
    throw KernelErrors.VALIDATION_FAILED.create(
      `${what}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
      { errors },
    );
  };
}
