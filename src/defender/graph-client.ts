/**
 * The one Defender client: Microsoft Graph's security API over HTTP, used unchanged against
 * real Graph (with an @azure/identity token) and against the embedded tenant (no token).
 *
 * It pages by `@odata.nextLink`, always asks for evolvable enum members (without the Prefer
 * header Graph hides `microsoftInsiderRiskManagement` behind `unknownFutureValue`), parses
 * every answer with zod, and retries 429 (honouring Retry-After), 5xx and network failures
 * with bounded, jittered backoff.
 */
import { retryAfterFromHeaders } from '../util/retry-after.js';
import { sleep, withRetries, type RetryPolicy, type RetryStep, type RetryVerdict } from '../util/retry.js';
import { z } from 'zod';
import { GraphError } from '../errors.js';
import { createLogger } from '../logger.js';
import {
  PREFER_UNKNOWN_ENUM_MEMBERS,
  IRM_SOURCE,
  alertSchema,
  collectionSchema,
  graphErrorSchema,
  incidentSchema,
  type Alert,
  type AlertComment,
  type AlertPatch,
  type Incident,
  type IncidentPatch,
  alertCommentSchema,
} from './model.js';

const log = createLogger('graph');

export type TokenProvider = () => Promise<string>;

export interface GraphClientOptions {
  baseUrl: string;
  /** Bearer token source; omitted for the embedded tenant. */
  token?: TokenProvider;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest Retry-After the client will sleep before giving up (seconds). */
  maxRetryAfterSeconds?: number;
  timeoutMs?: number;
  /** How long one advanced-hunting query may take (default HUNTING_TIMEOUT_MS; tests shorten it). */
  huntingTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch (tests); default Date.now. */
  clock?: () => number;
}

/**
 * A list request, with no ordering option: *List alerts_v2* and *List incidents* document only `$count`,
 * `$filter`, `$skip`, `$top` (and `$expand` for incidents), and list the most recent first; where
 * order matters the bot sorts what it read.
 */
export interface ListOptions {
  filter?: string;
  top?: number;
  /** Stop after this many items (across pages). */
  limit?: number;
}

export const huntingResultSchema = z.object({
  schema: z
    .array(z.object({ name: z.string().optional(), Name: z.string().optional(), type: z.string().optional(), Type: z.string().optional() }))
    .transform((cols) => cols.map((c) => ({ name: c.name ?? c.Name ?? '', type: c.type ?? c.Type ?? 'string' }))),
  results: z.array(z.record(z.string(), z.unknown())),
});
export type HuntingResult = z.infer<typeof huntingResultSchema>;

/** What the rest of the bot needs from Defender. */
export interface DefenderClient {
  listAlerts(options?: ListOptions): Promise<Alert[]>;
  /** IRM alerts changed at or after the watermark, oldest change first. */
  listIrmAlertsChangedSince(watermark: string): Promise<Alert[]>;
  /** Graph's clock at its last answer (the HTTP `Date` header, to the second), or null before any. */
  serverTime(): Date | null;
  listOpenIrmAlerts(limit: number): Promise<Alert[]>;
  getAlert(id: string): Promise<Alert>;
  getIncident(id: string): Promise<Incident>;
  listIncidents(options?: ListOptions): Promise<Incident[]>;
  /** How many incidents match a filter (`$count=true`, one request). */
  countIncidents(filter: string): Promise<number>;
  updateAlert(id: string, patch: AlertPatch): Promise<Alert>;
  updateIncident(id: string, patch: IncidentPatch): Promise<Incident>;
  addAlertComment(id: string, comment: string): Promise<AlertComment[]>;
  addIncidentComment(id: string, comment: string): Promise<AlertComment[]>;
  runHuntingQuery(query: string, timespan?: string): Promise<HuntingResult>;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
/** Defender's own limit on one advanced-hunting query is 3 minutes; a little more for the answer to arrive. */
export const HUNTING_TIMEOUT_MS = 185_000;
/** The `graphCode` of a request the client gave up waiting for. */
export const TIMEOUT_CODE = 'Timeout';

/** OData string literal: single quotes, embedded quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export class GraphClient implements DefenderClient {
  private readonly baseUrl: string;
  private readonly token: TokenProvider | undefined;
  /** The retry policy but for what each request adds (which failures it retries, what it logs). */
  private readonly retrying: Pick<RetryPolicy<GraphVerdict>, 'maxAttempts' | 'backoff' | 'maxRetryAfterMs' | 'sleep'>;
  private readonly timeoutMs: number;
  private readonly huntingTimeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: () => number;
  /** Graph's `Date` at its last answer. */
  private lastServerDate: Date | null = null;
  /**
   * Until when Graph asked the app to wait (a 429's Retry-After, or the backoff without one), by
   * quota: every caller waits it out, not just the request that was refused, so a throttled
   * poll slows down as a whole instead of spending the next requests on more 429s. Advanced
   * hunting has its own quota, apart from alerts and incidents.
   */
  private readonly throttledUntil = new Map<Quota, number>();

  constructor(options: GraphClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.sleep = options.sleep ?? sleep;
    this.retrying = {
      maxAttempts: options.maxAttempts ?? 5,
      backoff: { baseMs: options.baseDelayMs ?? 500, maxMs: options.maxDelayMs ?? 15_000 },
      maxRetryAfterMs: (options.maxRetryAfterSeconds ?? 120) * 1000,
      sleep: this.sleep,
    };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.huntingTimeoutMs = options.huntingTimeoutMs ?? HUNTING_TIMEOUT_MS;
    this.clock = options.clock ?? Date.now;
  }

  serverTime(): Date | null {
    return this.lastServerDate;
  }

  listAlerts(options: ListOptions = {}): Promise<Alert[]> {
    return this.list('/security/alerts_v2', alertSchema, options);
  }

  listIrmAlertsChangedSince(watermark: string): Promise<Alert[]> {
    return this.listAlerts({
      filter: `serviceSource eq ${odataString(IRM_SOURCE)} and lastUpdateDateTime ge ${watermark}`,
      top: 500,
    });
  }

  /** Open IRM alerts, newest first (as Graph lists them, and sorted again here: the order is Graph's, not ours). */
  async listOpenIrmAlerts(limit: number): Promise<Alert[]> {
    const alerts = await this.listAlerts({
      filter: `serviceSource eq ${odataString(IRM_SOURCE)} and status ne 'resolved'`,
      top: Math.min(limit, 500),
      limit,
    });
    return alerts.sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime));
  }

  getAlert(id: string): Promise<Alert> {
    return this.request('GET', `/security/alerts_v2/${encodeURIComponent(id)}`, alertSchema);
  }

  getIncident(id: string): Promise<Incident> {
    return this.request('GET', `/security/incidents/${encodeURIComponent(id)}`, incidentSchema, { query: { $expand: 'alerts' } });
  }

  listIncidents(options: ListOptions = {}): Promise<Incident[]> {
    return this.list('/security/incidents', incidentSchema, options, { $expand: 'alerts' });
  }

  /** *List incidents* documents `$count`: the total comes back as `@odata.count` with one item. */
  async countIncidents(filter: string): Promise<number> {
    const page = await this.request('GET', this.url('/security/incidents', { $filter: filter, $count: 'true', $top: '1' }), collectionSchema(incidentSchema));
    return page['@odata.count'] ?? page.value.length;
  }

  updateAlert(id: string, patch: AlertPatch): Promise<Alert> {
    return this.request('PATCH', `/security/alerts_v2/${encodeURIComponent(id)}`, alertSchema, { body: patch });
  }

  updateIncident(id: string, patch: IncidentPatch): Promise<Incident> {
    return this.request('PATCH', `/security/incidents/${encodeURIComponent(id)}`, incidentSchema, { body: patch });
  }

  async addAlertComment(id: string, comment: string): Promise<AlertComment[]> {
    const page = await this.request('POST', `/security/alerts_v2/${encodeURIComponent(id)}/comments`, z.object({ value: z.array(alertCommentSchema) }), {
      body: { '@odata.type': 'microsoft.graph.security.alertComment', comment },
      // A comment is not idempotent: only retry answers that say the request was not processed.
      retryOn: 'throttleOnly',
    });
    return page.value;
  }

  /** *Create comment for incident*: https://learn.microsoft.com/en-us/graph/api/security-incident-post-comments?view=graph-rest-1.0 */
  async addIncidentComment(id: string, comment: string): Promise<AlertComment[]> {
    const page = await this.request('POST', `/security/incidents/${encodeURIComponent(id)}/comments`, z.object({ value: z.array(alertCommentSchema) }), {
      body: { '@odata.type': 'microsoft.graph.security.alertComment', comment },
      retryOn: 'throttleOnly',
    });
    return page.value;
  }

  runHuntingQuery(query: string, timespan?: string): Promise<HuntingResult> {
    return this.request('POST', '/security/runHuntingQuery', huntingResultSchema, {
      body: timespan ? { Query: query, Timespan: timespan } : { Query: query },
      // Defender lets a query run for up to 3 minutes: wait that long, and never send a slow
      // query again (each copy would spend the tenant's hunting quota); only throttling is retried.
      timeoutMs: this.huntingTimeoutMs,
      retryOn: 'throttleOnly',
    });
  }

  private async list<T extends z.ZodTypeAny>(path: string, item: T, options: ListOptions, extra: Record<string, string> = {}): Promise<z.infer<T>[]> {
    const query: Record<string, string> = { ...extra };
    if (options.filter) query.$filter = options.filter;
    if (options.top) query.$top = String(options.top);
    const pageSchema = collectionSchema(item);
    const items: z.infer<T>[] = [];
    let next: string | undefined = this.url(path, query);
    while (next) {
      const page: z.infer<typeof pageSchema> = await this.request('GET', next, pageSchema);
      items.push(...page.value);
      if (options.limit !== undefined && items.length >= options.limit) return items.slice(0, options.limit);
      next = page['@odata.nextLink'];
    }
    return items;
  }

  private url(pathOrUrl: string, query?: Record<string, string>): string {
    const url = new URL(pathOrUrl.startsWith('http') ? pathOrUrl : this.baseUrl + pathOrUrl);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url.toString();
  }

  private async request<T extends z.ZodTypeAny>(
    method: 'GET' | 'PATCH' | 'POST',
    pathOrUrl: string,
    schema: T,
    options: { query?: Record<string, string>; body?: unknown; retryOn?: 'all' | 'throttleOnly'; timeoutMs?: number } = {},
  ): Promise<z.infer<T>> {
    const url = this.url(pathOrUrl, options.query);
    const retryOn = options.retryOn ?? 'all';
    const quota = quotaOf(url);
    const path = new URL(url).pathname;
    // Only the first attempt waits out anyone's 429: a retry has just waited out its own.
    await this.waitOutThrottle(quota);
    // A 429 makes every request to its quota wait, also when this one gives up at a Retry-After too long to wait out.
    const throttleOn = (step: RetryStep<GraphVerdict>) => {
      if (step.verdict.status === 429 && step.waitMs !== null) this.throttle(quota, step.waitMs);
    };
    const answer = await withRetries(() => this.attempt(method, url, options.body, options.timeoutMs ?? this.timeoutMs), {
      ...this.retrying,
      classify: (error) => graphVerdict(error, retryOn),
      onRetry: (step) => {
        throttleOn(step);
        log.warn('graph request failed, retrying', { method, path, status: step.verdict.status, attempt: step.attempt, delayMs: step.waitMs });
      },
      giveUp: (step) => {
        throttleOn(step);
        return step.error;
      },
    });
    const parsed = schema.safeParse(answer.json);
    if (!parsed.success) {
      throw new GraphError(`Defender answered ${method} ${path} with data the bot does not understand: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
        httpStatus: answer.status,
        graphCode: null,
      });
    }
    return parsed.data;
  }

  private throttle(quota: Quota, delayMs: number): void {
    const until = this.clock() + delayMs;
    if (until > (this.throttledUntil.get(quota) ?? 0)) this.throttledUntil.set(quota, until);
  }

  /** Wait until Graph's last 429 for this quota has passed; a wait longer than the client would retry after fails now, sending nothing. */
  private async waitOutThrottle(quota: Quota): Promise<void> {
    for (;;) {
      const wait = (this.throttledUntil.get(quota) ?? 0) - this.clock();
      if (wait <= 0) return;
      if (wait > this.retrying.maxRetryAfterMs) {
        throw new GraphError(`TooManyRequests: Defender asked the app to wait ${Math.ceil(wait / 1000)} s before its next request.`, {
          httpStatus: 429,
          graphCode: 'TooManyRequests',
          retryAfterSeconds: Math.ceil(wait / 1000),
        });
      }
      await this.sleep(wait);
    }
  }

  /** One request: the answer's status and JSON when it succeeded; a GraphError (thrown) when it did not. */
  private async attempt(method: string, url: string, body: unknown, timeoutMs: number): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { Accept: 'application/json', Prefer: PREFER_UNKNOWN_ENUM_MEMBERS };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers.Authorization = `Bearer ${await this.token()}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      const reason = timedOut ? `timed out after ${timeoutMs} ms` : 'connection failed';
      throw new GraphError(`Defender could not be reached (${reason})`, { httpStatus: null, graphCode: timedOut ? TIMEOUT_CODE : null }, { cause });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      throw new GraphError('Defender closed the connection mid-answer', { httpStatus: null, graphCode: null }, { cause });
    }
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    const date = Date.parse(response.headers.get('date') ?? '');
    if (Number.isFinite(date)) this.lastServerDate = new Date(date);
    if (response.ok) return { status: response.status, json };
    const graphError = graphErrorSchema.safeParse(json);
    const code = graphError.success ? graphError.data.error.code : null;
    const message = graphError.success ? graphError.data.error.message : text.slice(0, 200) || response.statusText;
    throw new GraphError(`${code ?? 'HTTP ' + response.status}: ${message}`, {
      httpStatus: response.status,
      graphCode: code,
      graphMessage: message,
      retryAfterSeconds: retryAfterSeconds(response.headers),
    });
  }
}

/** Graph throttles advanced hunting apart from alerts and incidents. */
type Quota = 'hunting' | 'security';
function quotaOf(url: string): Quota {
  return new URL(url).pathname.endsWith('/runHuntingQuery') ? 'hunting' : 'security';
}

type GraphVerdict = RetryVerdict & { status: number | null };

/**
 * Which failures are tried again: 429 and 503 always (Graph did not process the request), other
 * 5xx and network failures only where sending the request twice does no harm (`retryOn: 'all'`).
 * A Retry-After is the wait, whatever the status.
 */
function graphVerdict(error: unknown, retryOn: 'all' | 'throttleOnly'): GraphVerdict {
  if (!(error instanceof GraphError)) return { retryable: false, retryAfterMs: null, status: null };
  const status = error.httpStatus;
  const retryable = status === null ? retryOn === 'all' : status === 429 || status === 503 || (retryOn === 'all' && RETRYABLE_STATUS.has(status));
  return { retryable, retryAfterMs: error.retryAfterSeconds === null ? null : error.retryAfterSeconds * 1000, retryAfterIsTheWait: true, status };
}

function retryAfterSeconds(headers: Headers): number | null {
  const ms = retryAfterFromHeaders(headers);
  return ms === null ? null : Math.ceil(ms / 1000);
}
