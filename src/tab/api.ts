/**
 * The tab's JSON API, under /api/tab/. Every route names the capability it needs and goes through
 * the same role check as the bot (src/bot/dispatch.ts); card buttons clicked in the tab run the
 * same handlers as in Teams. Answers are JSON; failures are `{ error: { code, message } }` with the
 * error family's status and a message in words.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Capability } from '../auth/roles.js';
import { actionsByVerb } from '../bot/actions/index.js';
import { isMessageResult } from '../bot/actions/action.js';
import { audited, type AuditNote } from '../bot/audit.js';
import { authorize, runCardAction } from '../bot/dispatch.js';
import type { BotServices } from '../bot/services.js';
import type { AdaptiveCardJson } from '../cards/render.js';
import { byName } from '../cards/common.js';
import { AppError, BadInputError, ErrorCode, ForbiddenError, NotFoundError, RateLimitedError, RequestError, asAppError, describeForUser } from '../errors.js';
import { createLogger } from '../logger.js';
import { readJsonBody, sendJson } from '../server.js';
import type { Actor } from '../store/store.js';
import type { TabIdentity } from './identity.js';
import { QUEUE_FILTERS, QueueCache, buildQueue, queueItem, queueQuerySchema } from '../triage/queue.js';

const log = createLogger('tab');
const MAX_ACTION_BODY = 16 * 1024;
/** A full result beyond this many rows stays in Advanced hunting (the browser would struggle). */
export const MAX_FULL_VIEW_ROWS = 10_000;

interface RouteContext {
  actor: Actor;
  params: string[];
  query: URLSearchParams;
  req: IncomingMessage;
  services: BotServices;
  queue: QueueCache;
  now: Date;
}

/** How a successful request is recorded: names shown are reveals; the queue once per filter and person every few minutes. */
interface TabAuditNote extends AuditNote {
  /** Repeats (the queue's refresh each minute) within the dedupe window are not recorded again. */
  repeatable?: boolean;
}

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  capability: Capability;
  what: string;
  /** Recorded in the audit trail as `tab:{name}` unless `audit` says otherwise. */
  name: string;
  handle(context: RouteContext): Promise<unknown>;
  /**
   * What the audit trail records (through the dispatcher's one path, bot/audit.ts): `false` for a
   * route that records nothing itself (it shows the caller only their own rights, or runs a card
   * action, which is recorded as such).
   */
  audit: false | ((context: RouteContext) => TabAuditNote);
}

const ID = '([A-Za-z0-9_-]{1,64})';
const RESULT_ID = '([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})';

/** The card as the tab shows it: only the buttons that work there, and no per-user refresh. */
export function tabCard(card: AdaptiveCardJson): AdaptiveCardJson {
  const keep = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.filter((n) => !isChatOnlyAction(n)).map(keep);
    if (node && typeof node === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) if (key !== 'refresh') copy[key] = keep(value);
      return copy;
    }
    return node;
  };
  return keep(card) as AdaptiveCardJson;
}

function isChatOnlyAction(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  const { type, verb } = node as { type?: unknown; verb?: unknown };
  return type === 'Action.Execute' && !(typeof verb === 'string' && actionsByVerb.get(verb)?.inTab);
}

const actionBodySchema = z
  .object({
    verb: z.string({ message: 'say which button was clicked (verb)' }).max(100),
    data: z.record(z.string(), z.unknown()).nullish(),
  })
  .strict();

export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/tab\/session$/,
    capability: 'anyone',
    what: 'open the tab',
    name: 'session',
    audit: false,
    async handle({ actor, services }) {
      return {
        user: { name: actor.name, upn: actor.upn ?? null },
        may: { read: services.roles.may(actor, 'read'), act: services.roles.may(actor, 'act'), hunt: services.roles.may(actor, 'hunt') },
        filters: QUEUE_FILTERS,
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/tab\/incidents$/,
    capability: 'read',
    what: 'see the incident queue',
    name: 'incidents',
    async handle({ query, queue }) {
      const parsed = queueQuerySchema.safeParse(Object.fromEntries(query));
      if (!parsed.success) throw new BadInputError(`The queue filter is not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}.`);
      return buildQueue(await queue.list(parsed.data), parsed.data, byName);
    },
    // The queue names every person in it: who looked, with which filter.
    audit: ({ query }) => ({ action: 'tab:incidents', target: query.toString().slice(0, 200) || 'all', repeatable: true }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/tab/incidents/${ID}$`),
    capability: 'read',
    what: 'see an incident',
    name: 'incident',
    async handle({ params, services }) {
      const incident = await services.triage.getIrmIncident(params[0]!);
      return { incident: queueItem(incident, byName), card: tabCard(await services.cards.card(incident, undefined, byName)) };
    },
    // The card names the person at risk: recorded as a reveal, as in chat.
    audit: ({ params }) => ({ action: 'reveal', target: params[0] }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/tab\/actions$/,
    // The action's own capability is checked by runCardAction, as for a click in Teams.
    capability: 'anyone',
    what: 'use a card button',
    name: 'action',
    // The card action is recorded by runCardAction, as a click in Teams is.
    audit: false,
    async handle({ req, actor, services, queue }) {
      const body = actionBodySchema.safeParse(await readJsonBody(req, MAX_ACTION_BODY));
      if (!body.success) throw new BadInputError(`The request is not a card action: ${body.error.issues.map((i) => i.message).join('; ')}.`);
      try {
        const result = await runCardAction(services, { verb: body.data.verb, data: body.data.data, actor, conversation: null, surface: 'tab' });
        return isMessageResult(result) ? { message: result.message } : { card: tabCard(result) };
      } finally {
        queue.clear();
      }
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/tab/hunts/${RESULT_ID}$`),
    capability: 'hunt',
    what: 'see hunting results',
    name: 'hunt',
    async handle({ params, services }) {
      const result = await services.hunting.result(params[0]!);
      if (!result) throw new NotFoundError('This result is no longer kept (results are kept for a few minutes). Run the query again in Teams.');
      const rows = result.rows.slice(0, MAX_FULL_VIEW_ROWS);
      return {
        queryName: result.query.name,
        description: result.query.description,
        parameters: result.prepared.values,
        timespan: result.prepared.timespan,
        ranAt: result.ranAt,
        kql: result.prepared.kql,
        columns: result.columns,
        rows,
        total: result.rows.length,
        truncated: rows.length < result.rows.length,
      };
    },
    audit: ({ params }) => ({ action: 'tab:hunt', target: params[0] }),
  },
];

export interface TabApiOptions {
  services: BotServices;
  identity: TabIdentity;
  now: () => Date;
}

/** How long a repeated view (the same queue filter, by the same person) is not recorded again. */
const AUDIT_REPEAT_MS = 10 * 60_000;

function sendError(res: ServerResponse, err: AppError, tokenPresented: boolean): void {
  if (err.code === ErrorCode.Unauthorized) res.setHeader('www-authenticate', tokenPresented ? 'Bearer error="invalid_token"' : 'Bearer');
  if (err instanceof RateLimitedError) res.setHeader('retry-after', String(err.retryAfterSeconds));
  sendJson(res, err.status, { error: { code: err.code, message: describeForUser(err) } });
}

/**
 * Browsers send some cross-site requests without asking first (a form post as text/plain), and a
 * page on another name can be made to resolve to this machine: the API answers only its own
 * origin, and card actions only as JSON.
 */
function refuseCrossSite(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  let sameOrigin = true;
  if (origin !== undefined) {
    try {
      sameOrigin = new URL(origin).host === req.headers.host;
    } catch {
      sameOrigin = false;
    }
  }
  if (site === 'cross-site' || site === 'same-site' || !sameOrigin) throw new ForbiddenError('The tab API answers only the tab itself: this request came from another site.');
  if (req.method === 'POST' && (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    throw new RequestError(415, 'Send the card action as JSON (content-type: application/json).');
  }
}

/** The handler for /api/tab/* (answers false for any other path); it keeps the queue cache and the audit's memory of repeats. */
export function createTabApi(options: TabApiOptions): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const queue = new QueueCache(options.services.client);
  const lastRecorded = new Map<string, number>();

  /** Whether the same person made the same request within AUDIT_REPEAT_MS (the queue refreshing itself): recorded once. */
  const isRepeat = (actor: Actor, note: TabAuditNote, now: Date): boolean => {
    const key = `${actor.aadObjectId ?? actor.id}\n${note.action}\n${note.target ?? ''}`;
    const last = lastRecorded.get(key);
    if (last !== undefined && now.getTime() - last < AUDIT_REPEAT_MS) return true;
    if (lastRecorded.size >= 10_000) for (const [k, at] of lastRecorded) if (now.getTime() - at >= AUDIT_REPEAT_MS) lastRecorded.delete(k);
    lastRecorded.set(key, now.getTime());
    return false;
  };

  return async (req, res, path) => {
    if (!path.startsWith('/api/tab/')) return false;
    const matches = ROUTES.map((route) => ({ route, match: route.pattern.exec(path) })).filter((m) => m.match);
    if (matches.length === 0) {
      sendJson(res, 404, { error: { code: ErrorCode.NotFound, message: 'There is no such tab API path.' } });
      return true;
    }
    const found = matches.find((m) => m.route.method === req.method);
    if (!found) {
      res.setHeader('allow', matches.map((m) => m.route.method).join(', '));
      sendJson(res, 405, { error: { code: ErrorCode.MethodNotAllowed, message: `Use ${matches.map((m) => m.route.method).join(' or ')}.` } });
      return true;
    }
    res.setHeader('cache-control', 'no-store');
    const { route, match } = found;
    const now = options.now();
    try {
      refuseCrossSite(req);
      const actor = await options.identity.identify(req);
      const answer = await audited(options.services, { actor, surface: 'tab', audit: { action: `tab:${route.name}` } }, async (audit) => {
        if (route.audit === false) audit.skip();
        await authorize(options.services, actor, route.capability, route.what, 'tab');
        const context: RouteContext = { actor, params: match!.slice(1), query: new URL(req.url ?? '/', 'http://tab').searchParams, req, services: options.services, queue, now };
        const answer = await route.handle(context);
        if (route.audit !== false) {
          const { repeatable, ...note } = route.audit(context);
          if (repeatable && isRepeat(actor, note, now)) audit.skip();
          else audit.note(note);
        }
        return answer;
      });
      sendJson(res, 200, answer);
    } catch (err) {
      const appError = asAppError(err);
      if (appError.code === ErrorCode.Internal) log.error('tab request failed', { path, err });
      else if (appError.code === ErrorCode.Unauthorized) log.warn('tab request refused: not authenticated', { path, reason: appError.message });
      sendError(res, appError, Boolean(req.headers.authorization));
    }
    return true;
  };
}
