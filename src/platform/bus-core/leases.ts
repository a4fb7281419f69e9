import type { Clock } from '../../kernel/clock.js';
import type { Store } from '../../kernel/ports/store.js';

/** Lease bookkeeping never waits behind application writes: a late renewal loses the partition. */
const URGENT = { urgent: true } as const;

export interface LeaseChanges {
  /** Partitions this member now owns that it did not before. */
  acquired: number[];
  /** Partitions taken from this member (its lease expired and someone else claimed it). */
  lost: number[];
  /** Partitions this member should hand back: it holds more than its fair share. */
  surplus: number[];
}

/**
 * Partition leases of one consumer group, shared by every process that consumes it. Each member
 * heartbeats, renews what it owns, claims free or expired partitions up to its fair share
 * (ceil(partitions / live members)) and hands back the surplus, so work spreads as processes come
 * and go. A partition has one owner at a time, which is what keeps per-key order across processes.
 */
export class LeaseManager {
  private owned = new Set<number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly group: string,
    private readonly partitions: number,
    readonly member: string,
    private readonly leaseMs: number,
  ) {}

  get ownedPartitions(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  async init(): Promise<void> {
    await this.store.tx(async (tx) => {
      const rows = Array.from({ length: this.partitions }, (_, p) => ({
        group_name: this.group,
        partition: p,
        owner: null,
        expires_at: null,
      }));
      await tx
        .insertInto('keel_bus_leases')
        .values(rows)
        .onConflict((oc) => oc.columns(['group_name', 'partition']).doNothing())
        .execute();
    }, URGENT);
  }

  /** One round: heartbeat, renew, detect losses, claim up to the fair share, report surplus. */
  async tick(): Promise<LeaseChanges> {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const until = new Date(now.getTime() + this.leaseMs).toISOString();
    const liveSince = new Date(now.getTime() - this.leaseMs).toISOString();
    return this.store.tx(async (tx) => {
      await tx
        .insertInto('keel_bus_members')
        .values({ group_name: this.group, member: this.member, heartbeat_at: nowIso })
        .onConflict((oc) => oc.columns(['group_name', 'member']).doUpdateSet({ heartbeat_at: nowIso }))
        .execute();
      await tx
        .deleteFrom('keel_bus_members')
        .where('group_name', '=', this.group)
        .where('heartbeat_at', '<', new Date(now.getTime() - 10 * this.leaseMs).toISOString())
        .execute();
      const { live } = await tx
        .selectFrom('keel_bus_members')
        .select((eb) => eb.fn.countAll<number>().as('live'))
        .where('group_name', '=', this.group)
        .where('heartbeat_at', '>=', liveSince)
        .executeTakeFirstOrThrow();
      const share = Math.ceil(this.partitions / Math.max(1, Number(live)));

      const renewed = await tx
        .updateTable('keel_bus_leases')
        .set({ expires_at: until })
        .where('group_name', '=', this.group)
        .where('owner', '=', this.member)
        .where('expires_at', '>=', nowIso)
        .returning('partition')
        .execute();
      const held = new Set(renewed.map((r) => Number(r.partition)));
      const lost = [...this.owned].filter((p) => !held.has(p));

      const acquired: number[] = [];
      if (held.size < share) {
        const free = await tx
          .selectFrom('keel_bus_leases')
          .select('partition')
          .where('group_name', '=', this.group)
          .where((eb) =>
            eb.or([eb('owner', 'is', null), eb('expires_at', '<', nowIso), eb('owner', '=', this.member)]),
          )
          .orderBy('partition')
          .execute();
        for (const { partition } of free) {
          const p = Number(partition);
          if (held.has(p)) continue;
          if (held.size >= share) break;
          const r = await tx
            .updateTable('keel_bus_leases')
            .set({ owner: this.member, expires_at: until })
            .where('group_name', '=', this.group)
            .where('partition', '=', p)
            .where((eb) =>
              eb.or([eb('owner', 'is', null), eb('expires_at', '<', nowIso), eb('owner', '=', this.member)]),
            )
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) === 1) {
            held.add(p);
            acquired.push(p);
          }
        }
      }
      const surplus = [...held].sort((a, b) => b - a).slice(0, Math.max(0, held.size - share));
      this.owned = held;
      return { acquired, lost, surplus };
    }, URGENT);
  }

  /** Hand partitions back (after draining them). */
  async release(partitions: readonly number[]): Promise<void> {
    if (partitions.length === 0) return;
    await this.store.tx(async (tx) => {
      await tx
        .updateTable('keel_bus_leases')
        .set({ owner: null, expires_at: null })
        .where('group_name', '=', this.group)
        .where('partition', 'in', [...partitions])
        .where('owner', '=', this.member)
        .execute();
    }, URGENT);
    for (const p of partitions) this.owned.delete(p);
  }

  /** Leave the group: release everything and drop the membership. */
  async leave(): Promise<void> {
    await this.release(this.ownedPartitions);
    await this.store.tx(async (tx) => {
      await tx
        .deleteFrom('keel_bus_members')
        .where('group_name', '=', this.group)
        .where('member', '=', this.member)
        .execute();
    }, URGENT);
  }
}
