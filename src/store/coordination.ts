import { takeFromWindow } from '../util/sliding-window.js';

/**
 * What the bot's replicas must agree on from moment to moment, beside its memory: how much of a
 * quota they share is used, who holds a lock, and short-lived results any replica may be asked
 * for again (a hunting result behind *Show more*). A request may land on any replica, so none of
 * this may live in one process's memory when there are several; one process alone keeps it in
 * memory (MemoryCoordination, below), and the store replicas share keeps it in the container
 * (see azure/blob-coordination.ts).
 *
 * Values go in and come out as JSON: what is kept is a copy, in one process as across replicas.
 * Times come from the caller's clock; replicas must keep their clocks in step (as for claims).
 */
export interface Coordination {
  /**
   * Take one call of a sliding-window quota (`limit` calls in `windowMs`): 0 when taken, else the
   * seconds until one frees up (and nothing is taken).
   */
  takeQuota(key: string, limit: number, windowMs: number, now: Date): Promise<number>;
  /**
   * Hold the lock `key` for `holder` until `now + holdMs`: true when `holder` holds it now (also
   * when it held it already: the hold is extended), false while another holds it. A hold that
   * was not released lapses at its end (its holder died), so the lock is never lost for good.
   */
  acquireLock(key: string, holder: string, now: Date, holdMs: number): Promise<boolean>;
  /** Let go of a lock `holder` holds; nothing happens if another holds it now. */
  releaseLock(key: string, holder: string): Promise<void>;
  /** Keep a value under `key` until `until`, for whichever replica asks (a later one replaces it). */
  keep(key: string, value: unknown, until: Date): Promise<void>;
  /** The value kept under `key`, or undefined when there is none or it expired by `now`. */
  kept(key: string, now: Date): Promise<unknown>;
}

/** How many kept values one process holds at most (the oldest go first). */
export const KEPT_VALUES = 200;

/** One process alone: the same promises, in its memory. */
export class MemoryCoordination implements Coordination {
  private readonly calls = new Map<string, number[]>();
  private readonly locks = new Map<string, { holder: string; until: number }>();
  /** Map order is the order kept: the oldest is dropped first. */
  private readonly values = new Map<string, { json: string; until: number }>();

  async takeQuota(key: string, limit: number, windowMs: number, now: Date): Promise<number> {
    const taken = takeFromWindow(this.calls.get(key) ?? [], { count: limit, perMs: windowMs }, now.getTime());
    this.calls.set(key, taken.times);
    return quotaWaitSeconds(taken.waitMs);
  }

  async acquireLock(key: string, holder: string, now: Date, holdMs: number): Promise<boolean> {
    const held = this.locks.get(key);
    if (held && held.holder !== holder && held.until > now.getTime()) return false;
    this.locks.set(key, { holder, until: now.getTime() + holdMs });
    return true;
  }

  async releaseLock(key: string, holder: string): Promise<void> {
    if (this.locks.get(key)?.holder === holder) this.locks.delete(key);
  }

  async keep(key: string, value: unknown, until: Date): Promise<void> {
    this.values.delete(key);
    this.values.set(key, { json: JSON.stringify(value), until: until.getTime() });
    while (this.values.size > KEPT_VALUES) this.values.delete(this.values.keys().next().value as string);
  }

  async kept(key: string, now: Date): Promise<unknown> {
    const entry = this.values.get(key);
    if (!entry) return undefined;
    if (entry.until <= now.getTime()) {
      this.values.delete(key);
      return undefined;
    }
    return JSON.parse(entry.json) as unknown;
  }
}

/** `takeQuota`'s answer for a wait in milliseconds: 0 when there is none, else whole seconds, at least 1. */
export function quotaWaitSeconds(waitMs: number): number {
  return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
}
