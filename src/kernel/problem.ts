import { type DomainError, toDomainError } from './errors.js';

/** RFC 9457 problem details, with Keel's stable `code` and `retryable` members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  retryable: boolean;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://keel.dev/problems/';

/** Map any error to a problem document. Non-domain errors become a generic 500 with no internals. */
export function toProblem(err: unknown, context: { instance?: string; requestId?: string } = {}): Problem {
  const e: DomainError = toDomainError(err);
  const internal = e.code === 'INTERNAL';
  return {
    ...e.extensions,
    type: `${TYPE_BASE}${e.code.toLowerCase().replaceAll('_', '-')}`,
    title: e.title,
    status: e.status,
    detail: internal ? 'An internal error occurred; the request id identifies it in the logs.' : e.message,
    code: e.code,
    retryable: e.retryable,
    ...(context.instance ? { instance: context.instance } : {}),
    ...(context.requestId ? { requestId: context.requestId } : {}),
  };
}
