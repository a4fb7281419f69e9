import { type Static, Type } from '@sinclair/typebox';
import type { ApiPlugin } from '../../../src/api/plugin.js';
import { currentContext } from '../../../src/kernel/context.js';
import { KernelErrors } from '../../../src/kernel/errors.js';
import { newId } from '../../../src/kernel/ids.js';
import type { MigrationSet } from '../../../src/kernel/ports/store.js';

export const testMigrations: MigrationSet = {
  domain: 'test',
  migrations: [
    {
      id: '001_things',
      up: async (db) => {
        await db.schema
          .createTable('test_things')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .execute();
      },
    },
  ],
};

const Thing = Type.Object(
  { name: Type.String({ minLength: 1 }), qty: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

/** A gate tests open to let a slow handler finish. */
export class Gate {
  private release!: () => void;
  readonly opened = new Promise<void>((r) => {
    this.release = r;
  });
  entered = false;
  open(): void {
    this.release();
  }
}

/** Routes exercising the server's generic behaviour, mounted like a domain plugin. */
export function testPlugin(state: { gate?: Gate; failAfterComplete?: boolean }): ApiPlugin {
  return {
    name: 'test',
    prefix: '/api/v1/test',
    register(app, h) {
      app.get('/things', { config: h.requireScopes('oms:read') }, async () => {
        const items = await h.store.db.selectFrom('test_things').selectAll().orderBy('id').execute();
        return { items };
      });

      // Creates a thing, audits it and stores the idempotent response in the same transaction.
      app.post<{ Body: Static<typeof Thing> }>(
        '/things',
        { config: h.idempotentCreate('oms:write'), schema: { body: Thing } },
        async (request, reply) => {
          if (request.body.name === 'reject')
            throw KernelErrors.VALIDATION_FAILED.create('rejected by the handler');
          const id = newId('thg');
          const body = { id, ...request.body, ctx: currentContext() };
          await h.store.tx(async (tx) => {
            await tx.insertInto('test_things').values({ id, name: request.body.name }).execute();
            await h.audit.record(tx, { action: 'test.thing.create', target: id, after: request.body });
            await request.idempotency?.complete(tx, 201, body);
            if (state.failAfterComplete) throw new Error('failed after complete');
          });
          return reply.code(201).send(body);
        },
      );

      // Idempotent without passing its tx: the response is stored after it is sent.
      app.post<{ Body: Static<typeof Thing> }>(
        '/slow-things',
        { config: h.idempotentCreate('oms:write'), schema: { body: Thing } },
        async (request, reply) => {
          if (state.gate) {
            state.gate.entered = true;
            await state.gate.opened;
          }
          const id = newId('thg');
          await h.store.tx((tx) =>
            tx.insertInto('test_things').values({ id, name: request.body.name }).execute(),
          );
          return reply.code(201).send({ id });
        },
      );

      app.post<{ Body: unknown }>(
        '/echo',
        { config: h.requireScopes('oms:write'), schema: { body: Type.Object({ text: Type.String() }) } },
        async (request) => request.body,
      );
      app.get('/context', { config: h.requireScopes('oms:read') }, async () => currentContext());
      app.get('/throw-string', { config: h.requireScopes('oms:read') }, async () => {
        throw 'a thrown string';
      });
      app.get('/throw-error', { config: h.requireScopes('oms:read') }, async () => {
        throw new Error('connection to db-7.internal failed, password=hunter2');
      });
      app.get('/no-scopes', {}, async () => ({ reached: true }));
      app.get('/public', { config: { public: true } }, async () => ({ public: true }));
    },
  };
}
