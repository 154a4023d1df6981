/** The one sliding-window limiter (src/util/sliding-window.ts): delivery paces Teams with it, and the replicas' quotas count with its window arithmetic (test/store/coordination-cases.ts). */
import { describe, expect, it } from 'vitest';
import { TEAMS_CONVERSATION_LIMITS } from '../../src/sync/teams-pacing.js';
import { SlidingWindowLimiter } from '../../src/util/sliding-window.js';

describe('SlidingWindowLimiter', () => {
  it('allows a grant only when every limit has room, and says how long to wait', () => {
    const limiter = new SlidingWindowLimiter([
      { count: 2, perMs: 1000 },
      { count: 3, perMs: 10_000 },
    ]);
    limiter.take('a', 0);
    expect(limiter.delay('a', 0)).toBe(0);
    limiter.take('a', 0);
    expect(limiter.delay('a', 0)).toBe(1000);
    expect(limiter.delay('b', 0)).toBe(0);
    limiter.take('a', 1000);
    expect(limiter.delay('a', 1000)).toBe(9000);
    expect(() => new SlidingWindowLimiter([{ count: 0, perMs: 1000 }])).toThrow(RangeError);
  });

  it('forgets a key an hour after its newest grant, and holds no more grants than the hour and the largest count need', () => {
    const limiter = new SlidingWindowLimiter(TEAMS_CONVERSATION_LIMITS);
    for (let c = 0; c < 100; c++) limiter.take(`idle ${c}`, c * 1000);
    expect(limiter.size()).toEqual({ keys: 100, grants: 100 });
    // One busy conversation, a message a second for two hours: the idle ones are forgotten as
    // their hour passes, and the busy one keeps its newest 1,700.
    for (let t = 0; t < 7_200_000; t += 1000) limiter.take('busy', t);
    expect(limiter.size()).toEqual({ keys: 1, grants: 1_700 });
    // Still enough to hold the hourly cap: the next grant waits until the oldest of those 1,700 is an hour old.
    const oldestKept = 7_199_000 - 1_699 * 1000;
    expect(limiter.delay('busy', 7_199_000)).toBe(oldestKept + 3_600_000 - 7_199_000);
    // And a key idle for an hour is gone: the next grant anywhere drops it.
    const later = 7_199_000 + 3_600_000;
    limiter.take('another', later);
    expect(limiter.size()).toEqual({ keys: 1, grants: 1 });
    // A key's own grants go once they are an hour old, at its next grant.
    for (let n = 1; n < 10; n++) limiter.take('another', later + n * 1000);
    expect(limiter.size()).toEqual({ keys: 1, grants: 10 });
    limiter.take('another', later + 9_000 + 3_600_000);
    expect(limiter.size()).toEqual({ keys: 1, grants: 1 });
  });
});
