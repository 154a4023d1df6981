/**
 * Which conversations' messages are failing, and which of them rest. After a message has used up
 * its attempts the conversation rests for a while: what is queued behind it fails at once
 * (retryable) instead of each waiting out its own attempts, and stays in order for the next poll.
 * Each rest in a row is twice as long as the one before, up to a maximum.
 */

/** A conversation whose messages are failing: since when (ms since the epoch), the last error, rests in a row. */
export interface ConversationFailure {
  conversationKey: string;
  since: number;
  error: string;
  rests: number;
}

/** A conversation resting now: for how much longer (ms), and the answer that made it rest. */
export interface Rest {
  remainingMs: number;
  httpStatus: number | null;
}

export class ConversationRests {
  /** Conversations resting after a message gave up: until when, and the last answer. */
  private readonly resting = new Map<string, { until: number; httpStatus: number | null }>();
  /** Conversations whose last message failed: since when, how many rests in a row, and why. */
  private readonly failing = new Map<string, ConversationFailure>();

  constructor(
    private readonly restMs: number,
    private readonly maxRestMs: number,
    private readonly now: () => number,
  ) {}

  /** The rest the conversation is in now, or undefined (a rest that has ended is forgotten). */
  current(key: string): Rest | undefined {
    const rest = this.resting.get(key);
    const now = this.now();
    if (rest && now < rest.until) return { remainingMs: rest.until - now, httpStatus: rest.httpStatus };
    this.resting.delete(key);
    return undefined;
  }

  /** A message got through: the conversation is no longer failing. */
  succeeded(key: string): void {
    this.failing.delete(key);
  }

  /** A message failed for good (trying again would fail the same way): noted, no rest. */
  failed(key: string, error: string): void {
    this.note(key, error, false);
  }

  /**
   * A message gave up for now: the conversation rests, longer for each rest in a row, and never
   * shorter than the connector's Retry-After. Answers how long (ms).
   */
  rest(key: string, error: string, httpStatus: number | null, retryAfterMs: number | null): number {
    const failure = this.note(key, error, true);
    const restFor = Math.max(Math.min(this.maxRestMs, this.restMs * 2 ** (failure.rests - 1)), retryAfterMs ?? 0);
    this.resting.set(key, { until: this.now() + restFor, httpStatus });
    return restFor;
  }

  /** Conversations whose messages are failing now, oldest failure first. */
  failures(): ConversationFailure[] {
    return [...this.failing.values()].sort((a, b) => a.since - b.since);
  }

  private note(key: string, error: string, rests: boolean): ConversationFailure {
    const previous = this.failing.get(key);
    const failure: ConversationFailure = { conversationKey: key, since: previous?.since ?? this.now(), error, rests: (previous?.rests ?? 0) + (rests ? 1 : 0) };
    this.failing.set(key, failure);
    return failure;
  }
}
