/**
 * Paced, retrying delivery of cards to Teams conversations.
 *
 * Teams limits what a bot may send, per conversation and per app across all conversations, and
 * answers 429 with Retry-After beyond that (Microsoft, "Optimize your bot with rate limiting and
 * best practices in Teams", https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit:
 * per conversation 7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour; 30 requests a second per
 * app per tenant). `PacedGateway` wraps any ConversationGateway: per conversation it keeps sends
 * and updates in order and spaces them under every per-conversation window
 * (TEAMS_CONVERSATION_LIMITS), and it spaces all conversations together under the app's limit
 * (TEAMS_APP_LIMITS). It retries what the page says to retry (429 after its Retry-After; 412,
 * 502, 503, 504 with jittered backoff, never sooner than a Retry-After they carry) and dropped
 * connections, a bounded number of times (util/retry.ts). Every call has a deadline, so a Teams
 * endpoint that accepts the connection and never answers holds up its own conversation only, and
 * only until the deadline. Conversations do not wait for one another beyond sharing the app's limit. When a
 * message still fails it throws a DeliveryError saying whether a later try may succeed, so the
 * caller can keep the message for the next poll: nothing is dropped silently. After a message has used
 * up its attempts, the conversation rests for a while: what is queued behind it fails at once
 * (retryable) instead of each waiting out eight attempts, and stays in order for the next poll.
 *
 * Knows nothing of botbuilder: the connector's failures are read by shape (`connectorRetryAfter`).
 * botframework-connector's client (Azure core pipeline) already retries a 429 or 503 (honouring
 * Retry-After) and other 5xx answers (backing off) up to three times itself, before its RestError
 * reaches this layer; a 412 reaches it at once.
 */
import { record, retryAfterFromHeaders } from '../util/retry-after.js';
import { KeyedLock } from '../util/keyed-lock.js';
import { sleep, withRetries, type GiveUpStep, type RetryPolicy, type RetryVerdict } from '../util/retry.js';
import { SlidingWindowLimiter, type RateLimit } from '../util/sliding-window.js';
import type { AdaptiveCardJson } from '../cards/render.js';
import { ConnectorError, DeliveryError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { ConversationRecord } from '../store/store.js';
import type { ConversationGateway, MessageExtras } from './publisher.js';

const log = createLogger('delivery');

/**
 * Per conversation, under Teams' "per bot per thread" limits for sending (see the header: 7 in 1 s,
 * 8 in 2 s, 60 in 30 s, 1,800 in an hour). Teams counts on its own clock, when requests arrive;
 * not every request to a conversation passes through here (answers within a turn, and the
 * connector client's own retries of 429s and 5xx answers), so each figure keeps a margin:
 * - one message per 250 ms: 4 a second, the pace of 8 per 2 s. A burst goes out evenly instead
 *   of in bunches at the edges of windows, where a little network jitter would push two bunches
 *   into one of Teams' windows. It also holds the 1 s window: at most 4 in any second (5 counting
 *   both ends) against 7, so no separate 1 s limit is needed.
 * - 7 per 2 s: one under 8. With the spacing, even a window closed at both ends holds 8 at most.
 * - 55 per 30 s: five under 60, room for the answers the bot gives within turns.
 * - 1,700 per hour: a hundred under 1,800. The page says the hourly limit "applies only if
 *   multiple bot messages are sent to a single user"; it is held in every conversation, the safer
 *   reading. The 30 s limit alone would allow 6,600 an hour.
 */
export const TEAMS_CONVERSATION_LIMITS: readonly RateLimit[] = [
  { count: 1, perMs: 250 },
  { count: 7, perMs: 2_000 },
  { count: 55, perMs: 30_000 },
  { count: 1_700, perMs: 3_600_000 },
];

/**
 * Across all conversations: one request per 40 ms, 25 a second, evenly. The page gives a global
 * limit per app per tenant of 30 requests a second (50 in its newest version: the lower figure
 * is the one to trust), and the bot's other requests (answers within turns, member lookups) count
 * against it too; evenly, because a second's worth sent at once would arrive bunched.
 */
export const TEAMS_APP_LIMITS: readonly RateLimit[] = [{ count: 1, perMs: 40 }];

/**
 * HTTP statuses worth another try: the page says 412, 502 and 504 "must also be retried" besides
 * 429, and its newest version adds 503. Anything else (400, 403, 404, …) will fail the same way again.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([412, 429, 502, 503, 504]);

/** Error codes Node and the Azure pipeline give a request that never got an answer. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

// ---------------------------------------------------------------------------------------------
// Reading connector failures


/**
 * The HTTP status and Retry-After of a failed connector call. Understands botframework-connector's
 * `RestError` (`statusCode`, and a non-enumerable `response` whose `headers.get()` reads a header),
 * the gateway's `ConnectorError`, and errors wrapping either in `cause`. Null where unknown.
 */
export function connectorRetryAfter(err: unknown, now: number = Date.now()): { status: number | null; retryAfterMs: number | null } {
  for (let e: unknown = err, depth = 0; record(e) && depth < 5; e = record(e)?.cause, depth++) {
    if (e instanceof ConnectorError) return { status: e.httpStatus, retryAfterMs: e.retryAfterMs };
    const r = record(e)!;
    const response = record(r.response);
    const status =
      typeof r.statusCode === 'number' ? r.statusCode : typeof response?.status === 'number' ? response.status : typeof r.httpStatus === 'number' ? r.httpStatus : null;
    if (status === null) continue;
    const retryAfterMs = retryAfterFromHeaders(response?.headers ?? r.headers, now);
    return { status, retryAfterMs };
  }
  return { status: null, retryAfterMs: null };
}

/** The network error code (ECONNRESET, REQUEST_SEND_ERROR, …) of a call that got no HTTP answer, or null. */
export function networkErrorCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; record(e) && depth < 5; e = record(e)?.cause, depth++) {
    if (e instanceof ConnectorError) return e.networkCode;
    const code = record(e)!.code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  return null;
}

/** What a failed connector call threw, as a ConnectorError saying what the connector answered (or that it did not). */
export function toConnectorError(err: unknown, operation: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const { status, retryAfterMs } = connectorRetryAfter(err);
  const networkCode = status === null ? networkErrorCode(err) : null;
  const what = status !== null ? `HTTP ${status}` : (networkCode ?? (err instanceof Error ? err.message.slice(0, 200) : 'an unknown failure'));
  return new ConnectorError(`The Bot Framework connector failed to ${operation} (${what}).`, { httpStatus: status, retryAfterMs, networkCode }, { cause: err });
}

// ---------------------------------------------------------------------------------------------
// The paced gateway

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

/** The app limiter's only key. */
const ALL_CONVERSATIONS = '*';

/** What a failed connector call means for the next try. */
type DeliveryVerdict = RetryVerdict & { status: number | null; networkCode: string | null; timedOut: boolean };

export class PacedGateway implements ConversationGateway {
  private readonly perConversation: SlidingWindowLimiter;
  /** One key for all conversations: the app's requests are counted together. */
  private readonly perApp: SlidingWindowLimiter;
  /** One queue per conversation: messages go out in order, one at a time. */
  private readonly queues = new KeyedLock();
  /** Conversations resting after a message gave up: until when, and the last answer. */
  private readonly resting = new Map<string, { until: number; httpStatus: number | null }>();
  /** Conversations whose last message failed: since when, how many rests in a row, and why. */
  private readonly failing = new Map<string, ConversationFailure>();
  private readonly restMs: number;
  private readonly maxRestMs: number;
  private readonly callTimeoutMs: number;
  /** The retry policy but for its hooks, which each message adds. */
  private readonly retrying: Pick<RetryPolicy<DeliveryVerdict>, 'maxAttempts' | 'backoff' | 'maxRetryAfterMs' | 'sleep'>;
  private readonly retryStatuses: ReadonlySet<number>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly inner: ConversationGateway,
    private readonly options: PacedGatewayOptions = {},
  ) {
    this.perConversation = new SlidingWindowLimiter(options.limits ?? TEAMS_CONVERSATION_LIMITS);
    this.perApp = new SlidingWindowLimiter(options.appLimits ?? TEAMS_APP_LIMITS);
    this.sleep = options.sleep ?? sleep;
    this.retrying = {
      maxAttempts: options.maxAttempts ?? 8,
      backoff: { baseMs: options.baseDelayMs ?? 1_000, maxMs: options.maxDelayMs ?? 60_000, random: options.random ?? Math.random },
      maxRetryAfterMs: options.maxRetryAfterMs ?? 5 * 60_000,
      sleep: this.sleep,
    };
    this.retryStatuses = options.retryStatuses ?? RETRYABLE_STATUSES;
    this.restMs = options.restMs ?? 60_000;
    this.maxRestMs = Math.max(this.restMs, options.maxRestMs ?? 15 * 60_000);
    this.callTimeoutMs = options.callTimeoutMs ?? 15_000;
    this.now = options.now ?? Date.now;
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
    return [...this.failing.values()].sort((a, b) => a.since - b.since);
  }

  /** Resolves when every queue is empty (shutdown, tests). */
  idle(): Promise<void> {
    return this.queues.idle();
  }

  /** Run `task` after everything queued before it for the same conversation, success or not. */
  private enqueue<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.queues.run(key, task);
  }

  /** Wait for a slot under every limit, the conversation's and the app's, then take both. */
  private async acquire(key: string): Promise<void> {
    for (;;) {
      const now = this.now();
      const wait = Math.max(this.perConversation.delay(key, now), this.perApp.delay(ALL_CONVERSATIONS, now));
      if (wait <= 0) break;
      await this.sleep(wait);
    }
    const now = this.now();
    this.perConversation.take(key, now);
    this.perApp.take(ALL_CONVERSATIONS, now);
  }

  private async deliver<T>(key: string, operation: 'send' | 'update', call: () => Promise<T>): Promise<T> {
    const rest = this.resting.get(key);
    if (rest && this.now() < rest.until) {
      throw new DeliveryError({ conversationKey: key, operation, attempts: 0, httpStatus: rest.httpStatus, retryable: true, retryAfterMs: rest.until - this.now() });
    }
    this.resting.delete(key);
    const result = await withRetries(
      async () => {
        await this.acquire(key);
        return this.withDeadline(call);
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
    this.failing.delete(key);
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
      this.noteFailure(key, failure.message, false);
      return failure;
    }
    const rested = this.noteFailure(key, timedOut ? `Teams did not answer within ${Math.round(this.callTimeoutMs / 1000)} s` : failure.message, true);
    const restMs = Math.max(Math.min(this.maxRestMs, this.restMs * 2 ** (rested.rests - 1)), retryAfterMs ?? 0);
    this.resting.set(key, { until: this.now() + restMs, httpStatus: status });
    log.warn('connector keeps refusing or not answering messages in a conversation; resting it', { conversation: key, operation, attempts: attempt, status, networkCode, timedOut, retryAfterMs, restMs });
    return failure;
  }

  /** The call, or a CallTimeoutError once its deadline passes (the call itself is left to finish or fail unseen). */
  private withDeadline<T>(call: () => Promise<T>): Promise<T> {
    const pending = call();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CallTimeoutError(this.callTimeoutMs)), this.callTimeoutMs);
      timer.unref?.();
    });
    pending.catch(() => undefined);
    return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
  }

  private noteFailure(key: string, error: string, rests: boolean): ConversationFailure {
    const previous = this.failing.get(key);
    const failure: ConversationFailure = { conversationKey: key, since: previous?.since ?? this.now(), error, rests: (previous?.rests ?? 0) + (rests ? 1 : 0) };
    this.failing.set(key, failure);
    return failure;
  }
}

/** A conversation whose messages are failing: since when (ms since the epoch), the last error, rests in a row. */
export interface ConversationFailure {
  conversationKey: string;
  since: number;
  error: string;
  rests: number;
}

/** A connector call that did not answer before its deadline. */
class CallTimeoutError extends Error {
  constructor(ms: number) {
    super(`The Bot Framework connector did not answer within ${ms} ms.`);
    this.name = 'CallTimeoutError';
  }
}
