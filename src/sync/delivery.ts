/**
 * Paced, retrying delivery of cards to Teams conversations. `PacedGateway` wraps any
 * ConversationGateway: per conversation it keeps sends and updates in order, one at a time, and
 * spaces them under Teams' rate limits (teams-pacing.ts). It retries what Microsoft says to retry
 * (429 after its Retry-After; 412, 502, 503, 504 with jittered backoff, never sooner than a
 * Retry-After they carry) and dropped connections, a bounded number of times (util/retry.ts).
 * Every call has a deadline, so a Teams endpoint that accepts the connection and never answers
 * holds up its own conversation only, and only until the deadline. Conversations do not wait for
 * one another beyond sharing the app's limit. When a message still fails it throws a
 * DeliveryError saying whether a later try may succeed, so the caller can keep the message for the
 * next poll: nothing is dropped silently. After a message has used up its attempts, the
 * conversation rests for a while (conversation-rests.ts).
 *
 * Knows nothing of botbuilder: the connector's failures are read by shape (connector-failures.ts).
 */
import { withDeadline } from '../util/deadline.js';
import { KeyedLock } from '../util/keyed-lock.js';
import { sleep, withRetries, type GiveUpStep, type RetryPolicy, type RetryVerdict } from '../util/retry.js';
import type { RateLimit } from '../util/sliding-window.js';
import type { AdaptiveCardJson } from '../cards/render.js';
import { DeliveryError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { ConversationRecord } from '../store/store.js';
import { connectorRetryAfter, networkErrorCode } from './connector-failures.js';
import { ConversationRests, type ConversationFailure } from './conversation-rests.js';
import type { ConversationGateway, MessageExtras } from './publisher.js';
import { TEAMS_APP_LIMITS, TEAMS_CONVERSATION_LIMITS, TeamsPacer } from './teams-pacing.js';

// Still imported from here by bot/gateway.ts and health.ts.
export { toConnectorError } from './connector-failures.js';
export type { ConversationFailure } from './conversation-rests.js';

const log = createLogger('delivery');

/**
 * HTTP statuses worth another try: the page says 412, 502 and 504 "must also be retried" besides
 * 429, and its newest version adds 503. Anything else (400, 403, 404, …) will fail the same way again.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([412, 429, 502, 503, 504]);

export interface PacedGatewayOptions {
  /** Per-conversation limits (default TEAMS_CONVERSATION_LIMITS). */
  limits?: readonly RateLimit[];
  /** Limits across all conversations together (default TEAMS_APP_LIMITS). */
  appLimits?: readonly RateLimit[];
  /** Attempts per message before giving up with a retryable DeliveryError (default 8). */
  maxAttempts?: number;
  /** Backoff for failures without Retry-After: base × 2^(attempt−1), jittered, capped (defaults 1 s, 60 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited out here: the message fails (retryable) at once (default 5 min). */
  maxRetryAfterMs?: number;
  /**
   * After a message used up its attempts, how long the conversation rests (later messages fail at
   * once, retryable) unless the connector's Retry-After says longer (default 60 s).
   */
  restMs?: number;
  /**
   * How long one call to the connector may take before it counts as failed (default 15 s). A call
   * past its deadline is not retried at once (the message may still land late, and an endpoint
   * that hangs once usually hangs again): the conversation rests and its messages stay owed.
   */
  callTimeoutMs?: number;
  /** Longest rest of a conversation that keeps failing; each rest in a row doubles (default 15 min). */
  maxRestMs?: number;
  /** Statuses retried (default RETRYABLE_STATUSES). Network failures are always retried. */
  retryStatuses?: ReadonlySet<number>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): jitter for backoff (default Math.random). */
  random?: () => number;
  /** Called before each wait for a retry (metrics, tests). */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  conversationKey: string;
  operation: 'send' | 'update';
  /** The attempt that failed (1-based). */
  attempt: number;
  status: number | null;
  networkCode: string | null;
  retryAfterMs: number | null;
  waitMs: number;
}

/** What a failed connector call means for the next try. */
type DeliveryVerdict = RetryVerdict & { status: number | null; networkCode: string | null; timedOut: boolean };

export class PacedGateway implements ConversationGateway {
  private readonly pacer: TeamsPacer;
  /** One queue per conversation: messages go out in order, one at a time. */
  private readonly queues = new KeyedLock();
  private readonly rests: ConversationRests;
  /** The retry policy but for its hooks, which each message adds. */
  private readonly retrying: Pick<RetryPolicy<DeliveryVerdict>, 'maxAttempts' | 'backoff' | 'maxRetryAfterMs' | 'sleep'>;
  private readonly retryStatuses: ReadonlySet<number>;
  private readonly callTimeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: ConversationGateway,
    private readonly options: PacedGatewayOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    const sleepFor = options.sleep ?? sleep;
    this.retrying = {
      maxAttempts: options.maxAttempts ?? 8,
      backoff: { baseMs: options.baseDelayMs ?? 1_000, maxMs: options.maxDelayMs ?? 60_000, random: options.random ?? Math.random },
      maxRetryAfterMs: options.maxRetryAfterMs ?? 5 * 60_000,
      sleep: sleepFor,
    };
    this.retryStatuses = options.retryStatuses ?? RETRYABLE_STATUSES;
    this.callTimeoutMs = options.callTimeoutMs ?? 15_000;
    this.pacer = new TeamsPacer(options.limits ?? TEAMS_CONVERSATION_LIMITS, options.appLimits ?? TEAMS_APP_LIMITS, this.now, sleepFor);
    const restMs = options.restMs ?? 60_000;
    this.rests = new ConversationRests(restMs, Math.max(restMs, options.maxRestMs ?? 15 * 60_000), this.now);
  }

  send(conversation: ConversationRecord, card: AdaptiveCardJson, extras?: MessageExtras): Promise<string> {
    return this.enqueue(conversation.key, () => this.deliver(conversation.key, 'send', () => this.inner.send(conversation, card, extras)));
  }

  update(conversation: ConversationRecord, activityId: string, card: AdaptiveCardJson): Promise<void> {
    return this.enqueue(conversation.key, () => this.deliver(conversation.key, 'update', () => this.inner.update(conversation, activityId, card)));
  }

  /** Messages queued or in flight for a conversation (0 when idle). */
  pending(conversationKey: string): number {
    return this.queues.pending(conversationKey);
  }

  /** Conversations whose messages are failing now, oldest failure first (for /healthz and `status`). */
  failures(): ConversationFailure[] {
    return this.rests.failures();
  }

  /** Resolves when every queue is empty (shutdown, tests). */
  idle(): Promise<void> {
    return this.queues.idle();
  }

  /** Run `task` after everything queued before it for the same conversation, success or not. */
  private enqueue<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.queues.run(key, task);
  }

  private async deliver<T>(key: string, operation: 'send' | 'update', call: () => Promise<T>): Promise<T> {
    const rest = this.rests.current(key);
    if (rest) throw new DeliveryError({ conversationKey: key, operation, attempts: 0, httpStatus: rest.httpStatus, retryable: true, retryAfterMs: rest.remainingMs });
    const result = await withRetries(
      async () => {
        await this.pacer.acquire(key);
        return withDeadline(call(), this.callTimeoutMs, () => new CallTimeoutError(this.callTimeoutMs));
      },
      {
        ...this.retrying,
        classify: (err) => this.verdict(err),
        onRetry: ({ attempt, verdict, waitMs }) => {
          const event: RetryEvent = { conversationKey: key, operation, attempt, status: verdict.status, networkCode: verdict.networkCode, retryAfterMs: verdict.retryAfterMs, waitMs };
          this.options.onRetry?.(event);
          log.debug('connector refused a message; retrying', { ...event });
        },
        giveUp: (step) => this.giveUp(key, operation, step),
      },
    );
    this.rests.succeeded(key);
    return result;
  }

  /**
   * Retried: the statuses in `retryStatuses`, and network failures. Throttled (429), the server's
   * Retry-After is the wait; other failures back off, never sooner than a Retry-After the server
   * sent. A call past its deadline is not retried at once (see `callTimeoutMs`).
   */
  private verdict(err: unknown): DeliveryVerdict {
    const { status, retryAfterMs } = connectorRetryAfter(err, this.now());
    const networkCode = status === null ? networkErrorCode(err) : null;
    const timedOut = err instanceof CallTimeoutError;
    const retryable = status !== null ? this.retryStatuses.has(status) : networkCode !== null;
    return { retryable, retryAfterMs, retryAfterIsTheWait: status === 429, status, networkCode, timedOut };
  }

  /**
   * The DeliveryError for a message that gave up. One that failed for good is noted; one that may
   * succeed later (attempts used up, a Retry-After too long to wait out here, no answer before the
   * deadline) rests its conversation.
   */
  private giveUp(key: string, operation: 'send' | 'update', step: GiveUpStep<DeliveryVerdict>): DeliveryError {
    const { attempt, error, verdict, reason } = step;
    const { status, networkCode, timedOut, retryAfterMs } = verdict;
    const retryable = reason !== 'not-retryable' || timedOut;
    const failure = new DeliveryError({ conversationKey: key, operation, attempts: attempt, httpStatus: status, retryable, retryAfterMs }, { cause: error });
    if (!retryable) {
      this.rests.failed(key, failure.message);
      return failure;
    }
    const why = timedOut ? `Teams did not answer within ${Math.round(this.callTimeoutMs / 1000)} s` : failure.message;
    const restMs = this.rests.rest(key, why, status, retryAfterMs);
    log.warn('connector keeps refusing or not answering messages in a conversation; resting it', { conversation: key, operation, attempts: attempt, status, networkCode, timedOut, retryAfterMs, restMs });
    return failure;
  }
}

/** A connector call that did not answer before its deadline. */
class CallTimeoutError extends Error {
  constructor(ms: number) {
    super(`The Bot Framework connector did not answer within ${ms} ms.`);
    this.name = 'CallTimeoutError';
  }
}
