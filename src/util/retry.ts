/**
 * Retry with backoff, the one loop for every call to a service that may refuse for a while (Graph,
 * the Teams connector). The caller says what its failures mean (`classify`); this decides when to
 * try again and how long to wait: the server's Retry-After when it sent one, else jittered
 * exponential backoff, a bounded number of times, and never a Retry-After longer than the caller
 * is willing to wait.
 */

/** Exponential backoff: base × 2^(attempt−1), capped at `maxMs`, jittered. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** In [0, 1): the jitter (default Math.random). */
  random?: () => number;
}

/** What one failure means for the next try. */
export interface RetryVerdict {
  /** Whether to try again (after a wait). */
  retryable: boolean;
  /** How long the server asked to wait (its Retry-After), in milliseconds, or null. */
  retryAfterMs: number | null;
  /**
   * Wait exactly the Retry-After (throttling: the server said when it will take more) rather
   * than back off and never sooner than it (default false).
   */
  retryAfterIsTheWait?: boolean;
}

/** Why the loop stopped trying: the failure is not retryable, the attempts are used up, or the server asked to wait longer than `maxRetryAfterMs`. */
export type GiveUpReason = 'not-retryable' | 'attempts' | 'retry-after';

export interface RetryStep<V extends RetryVerdict> {
  /** The attempt that failed (1-based). */
  attempt: number;
  error: unknown;
  verdict: V;
  /** The wait before the next try (null when giving up before one was worked out). */
  waitMs: number | null;
}

/** A step at which the loop gives up, and why. */
export type GiveUpStep<V extends RetryVerdict> = RetryStep<V> & { reason: GiveUpReason };

export interface RetryPolicy<V extends RetryVerdict> {
  /** Attempts in all, the first one included (at least 1). */
  maxAttempts: number;
  backoff: Backoff;
  /** A Retry-After longer than this is not waited out: the loop gives up at once. */
  maxRetryAfterMs: number;
  classify(error: unknown): V;
  /** Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each wait for another try (logs, metrics). */
  onRetry?(step: RetryStep<V> & { waitMs: number }): void;
  /** What to throw when the loop gives up (default: the last error as it was). */
  giveUp?(step: GiveUpStep<V>): unknown;
}

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The backoff before retry number `attempt` (1-based): the step, jittered in its upper half so retries spread out without ever waiting less than half of it. */
export function backoffMs(attempt: number, backoff: Backoff): number {
  const step = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + (step / 2) * (backoff.random ?? Math.random)());
}

/** The wait after a failed attempt: the Retry-After where it is the wait, else the backoff, never shorter than a Retry-After. */
export function retryWaitMs(attempt: number, verdict: RetryVerdict, backoff: Backoff): number {
  if (verdict.retryAfterMs !== null && verdict.retryAfterIsTheWait) return verdict.retryAfterMs;
  return Math.max(verdict.retryAfterMs ?? 0, backoffMs(attempt, backoff));
}

/** `call` until it succeeds or `policy` gives up; `call` is told which attempt it is (1-based). */
export async function withRetries<T, V extends RetryVerdict>(call: (attempt: number) => Promise<T>, policy: RetryPolicy<V>): Promise<T> {
  const maxAttempts = Math.max(1, policy.maxAttempts);
  const giveUp = (step: GiveUpStep<V>): unknown => (policy.giveUp ? policy.giveUp(step) : step.error);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      const verdict = policy.classify(error);
      if (!verdict.retryable) throw giveUp({ attempt, error, verdict, waitMs: null, reason: 'not-retryable' });
      if (attempt >= maxAttempts) throw giveUp({ attempt, error, verdict, waitMs: null, reason: 'attempts' });
      const waitMs = retryWaitMs(attempt, verdict, policy.backoff);
      if (verdict.retryAfterMs !== null && verdict.retryAfterMs > policy.maxRetryAfterMs) throw giveUp({ attempt, error, verdict, waitMs, reason: 'retry-after' });
      policy.onRetry?.({ attempt, error, verdict, waitMs });
      await (policy.sleep ?? sleep)(waitMs);
    }
  }
}
