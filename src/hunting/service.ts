/**
 * Runs canned queries through the Graph client's runHuntingQuery, within limits set below
 * Microsoft's (about 45 calls a minute per tenant), and keeps results for a while so paging
 * through a result and repeating a query cost no new Graph call.
 */
import { quoted } from '../util/echo.js';
import { randomUUID } from 'node:crypto';
import type { DefenderClient, HuntingResult } from '../defender/graph-client.js';
import { TIMEOUT_CODE } from '../defender/graph-client.js';
import { AppError, BadInputError, ErrorCode, GraphError, RateLimitedError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { CannedQuery, PreparedQuery } from './canned-query.js';
import { findQuery, HUNTING_QUERIES } from './queries.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { closest } from '../util/closest.js';

const log = createLogger('hunting');

export interface HuntResult {
  id: string;
  query: CannedQuery;
  prepared: PreparedQuery;
  columns: HuntingResult['schema'];
  rows: HuntingResult['results'];
  ranAt: string;
  /** Served from the cache rather than a new Graph call. */
  cached: boolean;
}

export interface HuntingLimits {
  perUserPerMinute: number;
  perTenantPerMinute: number;
  cacheTtlMs: number;
  maxCachedResults: number;
}

export const DEFAULT_HUNTING_LIMITS: HuntingLimits = { perUserPerMinute: 10, perTenantPerMinute: 40, cacheTtlMs: 5 * 60_000, maxCachedResults: 100 };

export class HuntingService {
  private readonly perUser: SlidingWindowLimiter;
  private readonly perTenant: SlidingWindowLimiter;
  private readonly limits: HuntingLimits;
  /** Result id → result; Map order is age order, so the oldest is evicted first. */
  private readonly results = new Map<string, { result: HuntResult; expires: number }>();
  /** `timespan + KQL` → result id. */
  private readonly byText = new Map<string, string>();

  constructor(
    private readonly client: DefenderClient,
    limits: Partial<HuntingLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_HUNTING_LIMITS, ...limits };
    this.perUser = new SlidingWindowLimiter(this.limits.perUserPerMinute, 60_000, now);
    this.perTenant = new SlidingWindowLimiter(this.limits.perTenantPerMinute, 60_000, now);
  }

  /** The catalogue entry by name, or a refusal that names what exists. */
  query(name: string): CannedQuery {
    const query = findQuery(name);
    if (query) return query;
    const names = HUNTING_QUERIES.map((q) => q.name);
    const suggestion = closest(name, names);
    throw new BadInputError(`There is no hunting query ${quoted(name) ?? 'that'}.${suggestion ? ` Did you mean ${suggestion}?` : ''} The queries: ${names.join(', ')}.`);
  }

  /** Validate, then answer from the cache or run it in Defender. `who` keys the per-user limit. */
  async run(query: CannedQuery, raw: Readonly<Record<string, string>>, who: string): Promise<HuntResult> {
    const prepared = query.prepare(raw);
    const key = `${prepared.timespan}\n${prepared.kql}`;
    const cachedId = this.byText.get(key);
    const cached = cachedId ? this.result(cachedId) : undefined;
    if (cached) return { ...cached, cached: true };

    const userWait = this.perUser.waitSeconds(who);
    if (userWait > 0) throw new RateLimitedError(`You have run ${this.limits.perUserPerMinute} hunting queries in the last minute.`, userWait);
    const tenantWait = this.perTenant.waitSeconds('tenant');
    if (tenantWait > 0) throw new RateLimitedError(`The team has run ${this.limits.perTenantPerMinute} hunting queries in the last minute, close to Defender's own limit.`, tenantWait);
    this.perUser.record(who);
    this.perTenant.record('tenant');

    let answer: HuntingResult;
    try {
      answer = await this.client.runHuntingQuery(prepared.kql, prepared.timespan);
    } catch (err) {
      throw explainHuntingError(err);
    }
    const result: HuntResult = {
      id: randomUUID(),
      query,
      prepared,
      columns: answer.schema,
      rows: answer.results,
      ranAt: new Date(this.now()).toISOString(),
      cached: false,
    };
    this.remember(key, result);
    log.info('hunt', { query: query.name, rows: result.rows.length });
    return result;
  }

  /** A result still in the cache (for paging), or undefined once it has expired. */
  result(id: string): HuntResult | undefined {
    const entry = this.results.get(id);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.results.delete(id);
      return undefined;
    }
    return entry.result;
  }

  private remember(key: string, result: HuntResult): void {
    this.results.set(result.id, { result, expires: this.now() + this.limits.cacheTtlMs });
    this.byText.set(key, result.id);
    while (this.results.size > this.limits.maxCachedResults) {
      const oldest = this.results.keys().next().value;
      if (oldest === undefined) break;
      this.results.delete(oldest);
    }
    for (const [text, id] of this.byText) if (!this.results.has(id)) this.byText.delete(text);
  }
}

/** Defender's answers to a hunting query, in words an analyst can act on. */
export function explainHuntingError(err: unknown): AppError {
  if (!(err instanceof GraphError)) return err instanceof AppError ? err : new AppError(ErrorCode.Internal, 'The hunting query failed inside the bot.', 500, { cause: err });
  if (err.httpStatus === 429) {
    const wait = err.retryAfterSeconds ?? 60;
    return new RateLimitedError("Defender's advanced hunting quota for this tenant is used up for now (it resets in 15-minute windows).", wait);
  }
  if (err.httpStatus === 400) return new BadInputError(`Defender could not run the query: ${err.graphMessage}`);
  if (err.graphCode === TIMEOUT_CODE) {
    return new GraphError('The hunting query took too long (Defender allows 3 minutes). Try fewer days or a narrower filter.', { httpStatus: null, graphCode: TIMEOUT_CODE, retryAfterSeconds: 60 });
  }
  return err;
}
