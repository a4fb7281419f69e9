import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, describeThrown, KernelErrors, toDomainError } from '../kernel/errors.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../kernel/problem.js';
import { ApiErrors } from './errors.js';
import type { RouteTable } from './route-table.js';

/**
 * Every error leaves as RFC 9457 problem+json with a stable `code` and the request id. Internals
 * (messages of unexpected errors, stack traces) never reach the caller; they are logged with the
 * request id, which the problem document carries so the two can be matched.
 */
export function registerProblemHandling(app: FastifyInstance, routes: RouteTable): void {
  app.setErrorHandler((err: unknown, request, reply) => sendProblem(request, reply, err));

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allow = routes.allowed(path);
    if (allow.length > 0) {
      reply.header('allow', allow.join(', '));
      return sendProblem(
        request,
        reply,
        KernelErrors.METHOD_NOT_ALLOWED.create(
          `${request.method} is not allowed on ${path}; use ${allow.join(', ')}`,
          {
            allow,
          },
        ),
      );
    }
    return sendProblem(
      request,
      reply,
      KernelErrors.ROUTE_NOT_FOUND.create(`no route ${request.method} ${path}`),
    );
  });

  // JSON only: without a text/plain parser a text body is 415, not a confusing validation error.
  // An empty body with a JSON content type counts as no body (clients send that on bodiless POSTs).
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if ((body as string).length === 0) return done(null, undefined);
    parseJson(req, body as string, done);
  });
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = toApiError(err);
  if (e.status >= 500 && e.retryable) {
    // Unavailable dependencies, shutdown, timeouts: expected in operation, and retryable.
    request.log.warn({ code: e.code, detail: e.message }, 'request failed');
  } else if (e.status >= 500) {
    request.log.error(
      { err: err instanceof Error ? err : describeThrown(err), code: e.code },
      'request failed',
    );
  } else {
    request.log.debug({ code: e.code, detail: e.message }, 'request rejected');
  }
  if (e.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="keel"');
  if (e.code === 'SHUTTING_DOWN') reply.header('connection', 'close');
  const problem = toProblem(e, { instance: request.url.split('?')[0], requestId: request.id });
  // Sent pre-serialized: a route's response schemas must never reshape (or break) an error.
  return reply.code(e.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** Map Fastify's own errors (parsing, validation, limits) to Keel's codes; anything unknown is INTERNAL. */
export function toApiError(err: unknown): DomainError {
  const f = err as Partial<FastifyError> & { validation?: AjvError[]; validationContext?: string };
  if (err instanceof Error && Array.isArray(f.validation)) {
    const errors = f.validation.map((v) => ({
      path: validationPath(f.validationContext, v),
      message: v.message ?? 'invalid',
    }));
    return KernelErrors.VALIDATION_FAILED.create(errors.map((e) => `${e.path} ${e.message}`).join('; '), {
      errors,
    });
  }
  switch (err instanceof Error ? f.code : undefined) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return KernelErrors.MALFORMED_JSON.create('the request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return KernelErrors.UNSUPPORTED_MEDIA_TYPE.create('send request bodies as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return KernelErrors.PAYLOAD_TOO_LARGE.create(f.message);
  }
  // Other errors raised by Fastify itself about the request (bad URL, bad content length…): their
  // status and message describe the request, not our internals.
  if (
    err instanceof Error &&
    typeof f.code === 'string' &&
    f.code.startsWith('FST_') &&
    f.statusCode &&
    f.statusCode < 500
  ) {
    const { code, title } = ApiErrors.BAD_REQUEST;
    return new DomainError({ code, title, status: f.statusCode }, f.message);
  }
  return toDomainError(err);
}

function validationPath(context: string | undefined, v: AjvError): string {
  const extra = v.params?.missingProperty ?? v.params?.additionalProperty;
  const base = `/${context ?? 'body'}${v.instancePath ?? ''}`;
  return typeof extra === 'string' ? `${base}/${extra}` : base;
}
