/**
 * Runs canned queries through the Graph client's runHuntingQuery, within limits set below
 * Microsoft's (about 45 calls a minute per tenant), and keeps results for a while so paging
 * through a result and repeating a query cost no new Graph call. The limits and the kept results
 * are the replicas' coordination (the store's), so they hold whichever replica a request lands on.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { quoted } from '../util/echo.js';
import { huntingResultSchema, type DefenderClient, type HuntingResult } from '../defender/graph-client.js';
import { TIMEOUT_CODE } from '../defender/graph-client.js';
import { AppError, BadInputError, ErrorCode, GraphError, RateLimitedError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { Coordination } from '../store/coordination.js';
import type { CannedQuery, PreparedQuery } from './canned-query.js';
import { findQuery, HUNTING_QUERIES, knownQuery } from './queries.js';
import { closest } from '../util/closest.js';

const log = createLogger('hunting');

export interface HuntResult {
  id: string;
  query: CannedQuery;
  prepared: PreparedQuery;
  columns: HuntingResult['schema'];
  rows: HuntingResult['results'];
  ranAt: string;
  /** Served from the kept results rather than a new Graph call. */
  cached: boolean;
}

export interface HuntingLimits {
  perUserPerMinute: number;
  perTenantPerMinute: number;
  cacheTtlMs: number;
}

export const DEFAULT_HUNTING_LIMITS: HuntingLimits = { perUserPerMinute: 10, perTenantPerMinute: 40, cacheTtlMs: 5 * 60_000 };

/** A result as kept for every replica (the query by name: its code is the replica's own). */
const keptResultSchema = z.object({
  id: z.string(),
  query: z.string(),
  prepared: z.object({ kql: z.string(), days: z.number(), timespan: z.string(), values: z.record(z.string(), z.unknown()) }),
  columns: huntingResultSchema.shape.schema,
  rows: huntingResultSchema.shape.results,
  ranAt: z.string(),
});

const resultKey = (id: string) => `hunt-result:${id}`;
/** The same query text over the same days: the result of the last few minutes answers it. */
const textKey = (prepared: PreparedQuery) => `hunt-text:${createHash('sha256').update(`${prepared.timespan}\n${prepared.kql}`).digest('base64url')}`;

export class HuntingService {
  private readonly limits: HuntingLimits;

  constructor(
    private readonly client: DefenderClient,
    private readonly shared: Coordination,
    limits: Partial<HuntingLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_HUNTING_LIMITS, ...limits };
  }

  /** The catalogue entry by name, or a refusal that names what exists. */
  query(name: string): CannedQuery {
    const query = findQuery(name);
    if (query) return query;
    const names = HUNTING_QUERIES.map((q) => q.name);
    const suggestion = closest(name, names);
    throw new BadInputError(`There is no hunting query ${quoted(name) ?? 'that'}.${suggestion ? ` Did you mean ${suggestion}?` : ''} The queries: ${names.join(', ')}.`);
  }

  /**
   * Validate, then answer from the kept results or run it in Defender. `who` keys the per-user
   * limit; a call refused by the team's limit still counts against the user's.
   */
  async run(query: CannedQuery, raw: Readonly<Record<string, string>>, who: string): Promise<HuntResult> {
    const prepared = query.prepare(raw);
    const now = new Date(this.now());
    const keptId = await this.shared.kept(textKey(prepared), now);
    const kept = typeof keptId === 'string' ? await this.result(keptId) : undefined;
    if (kept) return { ...kept, cached: true };

    const userWait = await this.shared.takeQuota(`hunting:user:${who}`, this.limits.perUserPerMinute, 60_000, now);
    if (userWait > 0) throw new RateLimitedError(`You have run ${this.limits.perUserPerMinute} hunting queries in the last minute.`, userWait);
    const tenantWait = await this.shared.takeQuota('hunting:tenant', this.limits.perTenantPerMinute, 60_000, now);
    if (tenantWait > 0) throw new RateLimitedError(`The team has run ${this.limits.perTenantPerMinute} hunting queries in the last minute, close to Defender's own limit.`, tenantWait);

    let answer: HuntingResult;
    try {
      answer = await this.client.runHuntingQuery(prepared.kql, prepared.timespan);
    } catch (err) {
      throw explainHuntingError(err);
    }
    const result: HuntResult = { id: randomUUID(), query, prepared, columns: answer.schema, rows: answer.results, ranAt: new Date(this.now()).toISOString(), cached: false };
    await this.keep(result);
    log.info('hunt', { query: query.name, rows: result.rows.length });
    return result;
  }

  /** A result still kept (for paging and the full view, from any replica), or undefined once it expired. */
  async result(id: string): Promise<HuntResult | undefined> {
    const parsed = keptResultSchema.safeParse(await this.shared.kept(resultKey(id), new Date(this.now())));
    if (!parsed.success) return undefined;
    const query = knownQuery(parsed.data.query);
    if (!query) return undefined;
    return { ...parsed.data, query, cached: false };
  }

  /** Keep the result for every replica; a result that cannot be kept is still shown (paging it asks to run it again). */
  private async keep(result: HuntResult): Promise<void> {
    const until = new Date(this.now() + this.limits.cacheTtlMs);
    try {
      await this.shared.keep(resultKey(result.id), { ...result, query: result.query.name, cached: undefined }, until);
      await this.shared.keep(textKey(result.prepared), result.id, until);
    } catch (err) {
      log.warn('could not keep a hunting result', { query: result.query.name, err });
    }
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
