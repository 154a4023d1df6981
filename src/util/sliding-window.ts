/**
 * Sliding-window rate limits: a grant is allowed when, for every limit, fewer than `count` grants
 * fall in the last `perMs`. The one place that counts them: delivery paces messages to Teams with a
 * SlidingWindowLimiter, and the replicas' shared quotas (store/coordination.ts and its blob
 * implementation) keep their grant times as a list and take from it with `takeFromWindow`.
 */

/** At most `count` grants in any `perMs` window. */
export interface RateLimit {
  count: number;
  perMs: number;
}

/** Milliseconds until one more grant is allowed under every limit (0: now), given the earlier grants' times, oldest first. */
export function windowWait(times: readonly number[], limits: readonly RateLimit[], now: number): number {
  let wait = 0;
  for (const { count, perMs } of limits) {
    const nth = times[times.length - count];
    if (nth !== undefined && nth + perMs > now) wait = Math.max(wait, nth + perMs - now);
  }
  return wait;
}

/**
 * Take one grant of a single limit from a plain list of grant times (a quota kept outside this
 * process's memory): the times still in the window, with `now` added when it was allowed, and the
 * milliseconds until a grant is allowed when it was not (0: taken).
 */
export function takeFromWindow(times: readonly number[], limit: RateLimit, now: number): { times: number[]; waitMs: number } {
  const recent = times.filter((t) => t > now - limit.perMs);
  const waitMs = windowWait(recent, [limit], now);
  if (waitMs === 0) recent.push(now);
  return { times: recent, waitMs };
}

/**
 * Sliding-window limits per key, in this process's memory.
 *
 * Memory: per key, the times of its grants in the longest window, and no more than the largest
 * count (for TEAMS_CONVERSATION_LIMITS at most 1,700 numbers, about 14 KB, for a conversation
 * that used its whole hour). A key whose newest grant is older than the longest window is
 * forgotten, so a conversation idle for an hour costs nothing. In PacedGateway, under the app's
 * limit of 25 a second, all conversations together hold at most two hours of grants (a key's old
 * grants go at its next grant or with the key): 180,000 numbers, 1.4 MB.
 */
export class SlidingWindowLimiter {
  /**
   * Per key, its grant times oldest first. `take` moves its key to the end, so the Map is in order
   * of each key's newest grant and the idle keys are at its front.
   */
  private readonly grants = new Map<string, number[]>();
  /** The largest count: no limit looks further back than this many grants. */
  private readonly deepest: number;
  /** The longest window: no limit looks further back than this. */
  private readonly longest: number;

  constructor(readonly limits: readonly RateLimit[]) {
    for (const l of limits) {
      if (!(Number.isInteger(l.count) && l.count >= 1 && l.perMs > 0)) throw new RangeError(`rate limit ${JSON.stringify(l)}: count must be a whole number ≥ 1 and perMs > 0`);
    }
    this.deepest = Math.max(0, ...limits.map((l) => l.count));
    this.longest = Math.max(0, ...limits.map((l) => l.perMs));
  }

  /** Milliseconds until a grant for this key is allowed (0: now). */
  delay(key: string, now: number): number {
    return windowWait(this.grants.get(key) ?? [], this.limits, now);
  }

  /** Record a grant at `now` (call after `delay` answered 0). */
  take(key: string, now: number): void {
    const times = this.grants.get(key) ?? [];
    this.grants.delete(key);
    times.push(now);
    // Keep what a later `delay` may look at: the newest `deepest` grants, within the longest window.
    let drop = Math.max(0, times.length - this.deepest);
    while (times[drop]! + this.longest <= now) drop++;
    if (drop > 0) times.splice(0, drop);
    this.grants.set(key, times);
    this.forgetIdle(now);
  }

  /** Keys remembered, and grant times held for them all (memory checks). */
  size(): { keys: number; grants: number } {
    let grants = 0;
    for (const times of this.grants.values()) grants += times.length;
    return { keys: this.grants.size, grants };
  }

  /**
   * Drop the keys with no grant in the longest window: from the front, until one is recent. (A
   * clock that steps back only makes a key wait longer to be forgotten.)
   */
  private forgetIdle(now: number): void {
    for (const [key, times] of this.grants) {
      if (times.at(-1)! + this.longest > now) break;
      this.grants.delete(key);
    }
  }
}
