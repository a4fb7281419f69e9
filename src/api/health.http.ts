import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KernelErrors } from '../kernel/errors.js';
import { sendProblem } from './problem.http.js';
import { problemResponses } from './schemas.js';

/** A dependency the server needs to serve traffic; `check` throws when it is unavailable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve();
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/**
 * `/healthz`: the process is alive (no dependencies; for restarts). `/readyz`: every dependency
 * answers and the server is not draining (for load balancers). Both public. What is down is named;
 * why is only logged (error messages may carry hostnames).
 */
export function registerHealth(
  app: FastifyInstance,
  checks: readonly ReadinessCheck[],
  isShuttingDown: () => boolean,
) {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Readiness: database, bus and other dependencies reachable',
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            checks: Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('down')])),
          }),
          ...problemResponses(503),
        },
      },
    },
    async (request, reply) => {
      const results = await Promise.all(
        checks.map(async (c) => {
          try {
            await withTimeout(c.check(), CHECK_TIMEOUT_MS);
            return [c.name, 'ok'] as const;
          } catch (err) {
            request.log.warn(
              { check: c.name, err: (err as Error)?.message ?? String(err) },
              'readiness check failed',
            );
            return [c.name, 'down'] as const;
          }
        }),
      );
      const status = Object.fromEntries(results);
      const down = results.filter(([, s]) => s === 'down').map(([n]) => n);
      if (isShuttingDown()) {
        return sendProblem(request, reply, KernelErrors.SHUTTING_DOWN.create('the server is shutting down'));
      }
      if (down.length > 0) {
        return sendProblem(
          request,
          reply,
          KernelErrors.SERVICE_UNAVAILABLE.create(`not ready: ${down.join(', ')} unavailable`, {
            checks: status,
            down,
          }),
        );
      }
      return { status: 'ready' as const, checks: status };
    },
  );
}
