import type { Clock } from '../../kernel/clock.js';
import type { Store, Tx } from '../../kernel/ports/store.js';
import { Watermark } from './transport.js';

/** Raised when a group's generation changes (replay): its consumers re-open their sources. */
export const CONTROL_SIGNAL = 'keel_bus_control';

export interface GroupControl {
  generation: number;
  replayFromSeq: number | null;
  replayFromTime: string | null;
}

/**
 * A group's replay generation, creating the group on first sight. `urgent`: read on the store's
 * reserved path (the consumers' lease rounds check it and must not wait behind application writes).
 */
export async function loadGroup(
  store: Store,
  clock: Clock,
  group: string,
  options: { urgent?: boolean } = {},
): Promise<GroupControl> {
  const query = (db: Store['db']) =>
    db.selectFrom('keel_bus_groups').selectAll().where('group_name', '=', group).executeTakeFirst();
  const read = async () => (options.urgent ? store.tx((tx) => query(tx), { urgent: true }) : query(store.db));
  let row = await read();
  if (!row) {
    await store.tx(async (tx) => {
      await tx
        .insertInto('keel_bus_groups')
        .values({ group_name: group, generation: 0, updated_at: clock.now().toISOString() })
        .onConflict((oc) => oc.column('group_name').doNothing())
        .execute();
    });
    row = await read();
  }
  return {
    generation: Number(row!.generation),
    replayFromSeq: row!.replay_from_seq == null ? null : Number(row!.replay_from_seq),
    replayFromTime: (row!.replay_from_time as string | null) ?? null,
  };
}

/** The persisted position of a partition for a generation (0, or the replay start, if none yet). */
export async function loadPosition(
  store: Store,
  clock: Clock,
  group: string,
  partition: number,
  control: GroupControl,
): Promise<number> {
  const row = await store.db
    .selectFrom('keel_bus_positions')
    .select(['position', 'generation'])
    .where('group_name', '=', group)
    .where('partition', '=', partition)
    .executeTakeFirst();
  if (row && Number(row.generation) === control.generation) return Number(row.position);
  const start = control.generation > 0 && control.replayFromSeq != null ? control.replayFromSeq - 1 : 0;
  await store.tx(async (tx) => {
    await tx
      .insertInto('keel_bus_positions')
      .values({
        group_name: group,
        partition,
        position: start,
        generation: control.generation,
        updated_at: clock.now().toISOString(),
      })
      .onConflict((oc) =>
        oc.columns(['group_name', 'partition']).doUpdateSet({
          position: start,
          generation: control.generation,
          updated_at: clock.now().toISOString(),
        }),
      )
      .execute();
  });
  return start;
}

/** Persist a partition's position, unless a replay has moved the group to a newer generation. */
export async function savePosition(
  store: Store,
  clock: Clock,
  group: string,
  partition: number,
  generation: number,
  position: number,
): Promise<void> {
  await store.tx(async (tx) => {
    await tx
      .updateTable('keel_bus_positions')
      .set({ position, updated_at: clock.now().toISOString() })
      .where('group_name', '=', group)
      .where('partition', '=', partition)
      .where('generation', '=', generation)
      .where('position', '<', position)
      .execute();
  });
}

/** Move a group to a new generation starting at `fromSeq` (in the replay's transaction). */
export async function bumpGeneration(
  tx: Tx,
  clock: Clock,
  group: string,
  fromSeq: number,
  fromTime: string,
): Promise<number> {
  const row = await tx
    .selectFrom('keel_bus_groups')
    .select('generation')
    .where('group_name', '=', group)
    .executeTakeFirst();
  const generation = Number(row?.generation ?? 0) + 1;
  const now = clock.now().toISOString();
  await tx
    .insertInto('keel_bus_groups')
    .values({
      group_name: group,
      generation,
      replay_from_seq: fromSeq,
      replay_from_time: fromTime,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .column('group_name')
        .doUpdateSet({ generation, replay_from_seq: fromSeq, replay_from_time: fromTime, updated_at: now }),
    )
    .execute();
  await tx
    .updateTable('keel_bus_positions')
    .set({ position: fromSeq - 1, generation, updated_at: now })
    .where('group_name', '=', group)
    .execute();
  return generation;
}

/**
 * A partition source's progress: which fetched positions are still in flight (the watermark) and
 * the position last persisted. `flush` writes the watermark when it moved; flushes never overlap.
 */
export class PartitionProgress {
  private readonly watermark: Watermark;
  private saved: number;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly spec: { group: string; partition: number; generation: number },
    start: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.watermark = new Watermark(start);
    this.saved = start;
  }

  add(seq: number): void {
    this.watermark.add(seq);
  }

  done(seq: number): void {
    this.watermark.done(seq);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const pos = this.watermark.position;
      if (pos <= this.saved) return;
      try {
        const { group, partition, generation } = this.spec;
        await savePosition(this.store, this.clock, group, partition, generation, pos);
        this.saved = pos;
      } catch (err) {
        this.onError(err);
      }
    });
    return this.flushing;
  }
}
