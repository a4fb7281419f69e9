import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { childTraceparent, runWithContext } from '../kernel/context.js';
import { KernelErrors } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';

/** Incoming ids are echoed into logs, headers and events: accept only short, plain ones. */
const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

function header(request: { headers: Record<string, string | string[] | undefined> }, name: string) {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** Fastify `genReqId`: the caller's X-Request-Id if sane, else a new `req_…`. */
export function requestIdFor(req: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = header(req, 'x-request-id');
  return incoming && SANE_ID.test(incoming) ? incoming : newId('req');
}

/**
 * The operation context of each request: request id (echoed as X-Request-Id), correlation id
 * (X-Correlation-Id, echoed; new if absent), and a W3C traceparent continuing the caller's trace.
 * Every route handler runs inside it, so events and audit entries written by the handler carry them;
 * the auth hook fills in the actor.
 *
 * Handlers are wrapped at registration (onRoute) rather than entering the context from a hook: the
 * context then covers exactly the handler's async call tree, whatever Fastify does between hooks.
 */
export function registerRequestContext(app: FastifyInstance, isShuttingDown: () => boolean): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const correlation = header(request, 'x-correlation-id');
    const correlationId = correlation && SANE_ID.test(correlation) ? correlation : newId('cor');
    reply.header('x-correlation-id', correlationId);
    request.operation = {
      correlationId,
      requestId: request.id,
      traceparent: childTraceparent(header(request, 'traceparent')),
      actor: 'anonymous',
    };
    // Liveness stays up while draining: the process is healthy, only leaving.
    if (isShuttingDown() && request.routeOptions.url !== '/healthz') {
      throw KernelErrors.SHUTTING_DOWN.create('the server is shutting down; retry elsewhere');
    }
  });

  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function contextual(this: FastifyInstance, request: FastifyRequest, reply) {
      return runWithContext(request.operation, () => handler.call(this, request, reply));
    } as RouteHandlerMethod;
  });
}
