import type { Clock } from '../../kernel/clock.js';
import { runWithContext } from '../../kernel/context.js';
import { newId } from '../../kernel/ids.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { BackgroundTask } from '../../kernel/ports/module.js';

/**
 * A task that runs `run` every `intervalMs` (on the Clock port's timers). `run` returns how much
 * it did; when it reports a full batch (`more`), the next run follows at once instead of after the
 * interval, so a backlog drains at full speed. Failures are logged and retried with a doubling
 * delay (up to 30 s): a database that is briefly away must not kill the task.
 */
export function periodicTask(o: {
  name: string;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  run: () => Promise<{ more: boolean }>;
}): BackgroundTask {
  let stopped = true;
  let cancel: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let failures = 0;

  const schedule = (ms: number) => {
    if (!stopped) cancel = o.clock.setTimer(tick, ms);
  };
  const tick = () => {
    cancel = undefined;
    running = (async () => {
      let more = false;
      try {
        // Events and movements the task writes carry its actor and a correlation id of their own.
        more = (
          await runWithContext(
            { actor: `system:${o.name.replace('.', '/')}`, correlationId: newId('cor') },
            o.run,
          )
        ).more;
        failures = 0;
      } catch (err) {
        failures++;
        o.log.warn({ err, task: o.name, failures }, 'background task failed; retrying');
      }
      running = undefined;
      schedule(more ? 0 : Math.min(30_000, o.intervalMs * 2 ** Math.min(failures, 10)));
    })();
  };

  return {
    name: o.name,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(o.intervalMs);
    },
    async stop() {
      stopped = true;
      cancel?.();
      cancel = undefined;
      await running;
    },
  };
}
