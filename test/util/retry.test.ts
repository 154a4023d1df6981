/**
 * The one retry loop (src/util/retry.ts). Its callers' policies are checked through them
 * (test/notify/delivery.test.ts, test/defender/graph-client.test.ts); here, what the loop
 * promises any caller: the wait it works out, when it gives up and what it reports then.
 */
import { describe, expect, it } from 'vitest';
import { backoffMs, retryWaitMs, withRetries, type GiveUpReason, type RetryVerdict } from '../../src/util/retry.js';

class Refusal extends Error {
  constructor(readonly verdict: RetryVerdict) {
    super('refused');
  }
}

/** A call that fails with each verdict in turn, then answers 'done'. */
function failing(...verdicts: RetryVerdict[]): { call: (attempt: number) => Promise<string>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    call: async (attempt) => {
      attempts.push(attempt);
      const verdict = verdicts[attempt - 1];
      if (verdict) throw new Refusal(verdict);
      return 'done';
    },
  };
}

const classify = (error: unknown): RetryVerdict => (error instanceof Refusal ? error.verdict : { retryable: false, retryAfterMs: null });
const backoff = { baseMs: 1_000, maxMs: 8_000, random: () => 0.5 };
const throttled: RetryVerdict = { retryable: true, retryAfterMs: 3_000, retryAfterIsTheWait: true };
const busy: RetryVerdict = { retryable: true, retryAfterMs: null };

describe('retry with backoff', () => {
  it('backs off exponentially up to its cap, jittered in the upper half of each step', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffMs(attempt, backoff))).toEqual([750, 1_500, 3_000, 6_000, 6_000]);
    expect(backoffMs(3, { ...backoff, random: () => 0 })).toBe(2_000);
    expect(backoffMs(3, { ...backoff, random: () => 0.999_9 })).toBe(4_000);
  });

  it('waits exactly the Retry-After where it is the wait, else backs off and never sooner than the Retry-After', () => {
    expect(retryWaitMs(1, throttled, backoff)).toBe(3_000);
    expect(retryWaitMs(1, { ...throttled, retryAfterMs: 10 }, backoff)).toBe(10);
    expect(retryWaitMs(1, { retryable: true, retryAfterMs: 10 }, backoff)).toBe(750);
    expect(retryWaitMs(1, { retryable: true, retryAfterMs: 3_000 }, backoff)).toBe(3_000);
    expect(retryWaitMs(2, busy, backoff)).toBe(1_500);
  });

  it('tries again after each wait until the call succeeds, telling each retry', async () => {
    const { call, attempts } = failing(throttled, busy);
    const sleeps: number[] = [];
    const retries: [number, number][] = [];
    const answer = await withRetries(call, { maxAttempts: 3, backoff, maxRetryAfterMs: 60_000, classify, sleep: async (ms) => void sleeps.push(ms), onRetry: (s) => retries.push([s.attempt, s.waitMs]) });
    expect(answer).toBe('done');
    expect(attempts).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([3_000, 1_500]);
    expect(retries).toEqual([
      [1, 3_000],
      [2, 1_500],
    ]);
  });

  it('gives up on a failure that is not retryable, once the attempts are used, or at a Retry-After longer than it waits, and throws what giveUp says', async () => {
    const run = async (maxAttempts: number, ...verdicts: RetryVerdict[]) => {
      const given: { reason: GiveUpReason; attempt: number; waitMs: number | null }[] = [];
      const sleeps: number[] = [];
      const thrown = await withRetries(failing(...verdicts).call, {
        maxAttempts,
        backoff,
        maxRetryAfterMs: 2_000,
        classify,
        sleep: async (ms) => void sleeps.push(ms),
        giveUp: ({ reason, attempt, waitMs }) => (given.push({ reason, attempt, waitMs }), new Error(reason)),
      }).catch((e: unknown) => e);
      return { message: (thrown as Error).message, given, sleeps };
    };
    expect(await run(5, busy, { retryable: false, retryAfterMs: null })).toEqual({ message: 'not-retryable', given: [{ reason: 'not-retryable', attempt: 2, waitMs: null }], sleeps: [750] });
    expect(await run(2, busy, busy, busy)).toEqual({ message: 'attempts', given: [{ reason: 'attempts', attempt: 2, waitMs: null }], sleeps: [750] });
    // The wait is worked out before giving up, for a caller that must honour it anyway (Graph's client-wide throttle).
    expect(await run(5, throttled)).toEqual({ message: 'retry-after', given: [{ reason: 'retry-after', attempt: 1, waitMs: 3_000 }], sleeps: [] });
  });

  it('makes at least one attempt, and throws the last error itself without a giveUp', async () => {
    const { call, attempts } = failing(busy, busy);
    const thrown = await withRetries(call, { maxAttempts: 0, backoff, maxRetryAfterMs: 0, classify, sleep: async () => undefined }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Refusal);
    expect(attempts).toEqual([1]);
  });
});
