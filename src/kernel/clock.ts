/** The Clock port: all time in Keel flows through it, so tests control it. */
export interface Clock {
  /** The current instant. */
  now(): Date;
  /** Run `fn` after `ms` milliseconds of this clock's time; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** Current time as a UTC ISO-8601 string with milliseconds (fixed width, so it sorts as text). */
export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return () => clearTimeout(t);
  },
};

/** A clock that only moves when told to: for unit tests of time-dependent logic. */
export class ManualClock implements Clock {
  private ms: number;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  setTimer(fn: () => void, ms: number): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.ms + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Move time forward, firing due timers in time order. */
  advance(ms: number): void {
    const target = this.ms + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.ms = next.at;
      next.fn();
    }
    this.ms = target;
  }

  set(to: Date | string): void {
    const target = new Date(to).getTime();
    if (target < this.ms) throw new RangeError('ManualClock cannot go backwards');
    this.advance(target - this.ms);
  }
}
