/**
 * A local stand-in for the Bot Framework connector (the Teams side of proactive messages):
 * records every activity the bot sends or updates and answers like the connector does.
 * Optionally answers 429 with Retry-After to a share of sends and updates (deterministic: seeded),
 * or a chosen status to chosen requests.
 */
import { createRandom, hashString } from '@irm-bot/defender-tenant';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: 'send' | 'update' | 'reply';
  conversationId: string;
  activityId: string;
  activity: Record<string, unknown>;
  /** When it arrived, by the connector's clock (`options.now`, default Date.now). */
  at: number;
}

/** Every send or update request, the throttled ones included, in arrival order. */
export interface ConnectorAttempt {
  method: 'send' | 'update';
  conversationId: string;
  /** 200, 429 (throttled) or what `refuse` chose. */
  status: number;
  at: number;
}

/** An answer `refuse` chose instead of accepting a send or update. */
export interface Refusal {
  status: number;
  headers?: Record<string, string>;
}

export interface FakeConnectorOptions {
  /** Answer 429 to a share of sends and updates. */
  throttle?: {
    /** Chance (0–1) that a send or update not already in a run of 429s starts one. */
    share: number;
    /** 429s in a row per conversation once throttled (default 1). The connector client retries a 429 three times itself: 4 makes each throttling reach the bot's own retry. */
    runLength?: number;
    /** The Retry-After header, in seconds (default 1). */
    retryAfterSeconds?: number;
    /** Also send `retry-after-ms` (which the connector client's pipeline reads before Retry-After). */
    retryAfterMs?: number;
    /** Seed of the per-conversation pseudo-random sequence (default 1). */
    seed?: number;
  };
  /**
   * Answer a send or update with a chosen status instead of accepting it (decided before
   * `throttle`). `nth`: 1 for the conversation's first send or update request, and so on.
   */
  refuse?: (request: { method: 'send' | 'update'; conversationId: string; nth: number }) => Refusal | null;
  /** The clock that stamps arrivals (tests pass their fake clock). */
  now?: () => number;
  /** Keep a send or update waiting until the promise settles (Teams slow to answer); null lets it through. */
  hold?: (request: { method: 'send' | 'update'; conversationId: string }) => Promise<void> | null;
}

export interface FakeConnector {
  serviceUrl: string;
  calls: ConnectorCall[];
  /** Cards (attachment contents) currently shown in a conversation, by activity id. */
  messages(conversationId: string): Map<string, Record<string, unknown>>;
  members: Map<string, { id: string; name: string; userPrincipalName: string; aadObjectId: string }>;
  /** Every send and update request, throttled or not (only accepted ones are in `calls`). */
  attempts: ConnectorAttempt[];
  close(): Promise<void>;
}

/** The tenant's seeded generator, so "a share of requests" is the same share every run. */
const seededRandom = (seed: number): (() => number) => createRandom(seed).next;

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
}

export async function startFakeConnector(options: FakeConnectorOptions = {}): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  const attempts: ConnectorAttempt[] = [];
  const now = options.now ?? Date.now;
  // Per conversation, so concurrent conversations do not change each other's sequence.
  const throttling = new Map<string, { random: () => number; left: number }>();
  const throttled = (conversationId: string): boolean => {
    const t = options.throttle;
    if (!t) return false;
    let state = throttling.get(conversationId);
    if (!state) throttling.set(conversationId, (state = { random: seededRandom((t.seed ?? 1) ^ hashString(conversationId)), left: 0 }));
    if (state.left > 0) {
      state.left--;
      return true;
    }
    if (state.random() < t.share) {
      state.left = Math.max(1, t.runLength ?? 1) - 1;
      return true;
    }
    return false;
  };
  const requestsPerConversation = new Map<string, number>();
  const members = new Map<string, { id: string; name: string; userPrincipalName: string; aadObjectId: string }>();
  let next = 1;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      // v3 / conversations / {id} / activities [/ {activityId}]   or   v3 / conversations / {id} / members / {userId}
      if (parts[0] !== 'v3' || parts[1] !== 'conversations' || !parts[2]) {
        res.writeHead(404).end();
        return;
      }
      const conversationId = parts[2];
      if (parts[3] === 'members' && parts[4] && req.method === 'GET') {
        const member = members.get(parts[4]);
        if (!member) {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'MemberNotFoundInConversation', message: 'not found' } }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(member));
        return;
      }
      if (parts[3] !== 'activities') {
        res.writeHead(404).end();
        return;
      }
      const activity = await body(req);
      let activityId: string;
      let method: ConnectorCall['method'];
      if (req.method === 'PUT' && parts[4]) {
        method = 'update';
        activityId = parts[4];
      } else if (req.method === 'POST') {
        method = parts[4] ? 'reply' : 'send';
        // A send's id is given when it is accepted (below), so throttled sends use no ids.
        activityId = parts[4] ? `activity-${next++}` : '';
      } else {
        res.writeHead(405).end();
        return;
      }
      if (method !== 'reply') await options.hold?.({ method, conversationId });
      const at = now();
      if (method !== 'reply') {
        const nth = (requestsPerConversation.get(conversationId) ?? 0) + 1;
        requestsPerConversation.set(conversationId, nth);
        const refusal = options.refuse?.({ method, conversationId, nth });
        if (refusal) {
          attempts.push({ method, conversationId, status: refusal.status, at });
          res.writeHead(refusal.status, { 'content-type': 'application/json', ...refusal.headers }).end(JSON.stringify({ error: { code: `Http${refusal.status}`, message: 'Refused by the test' } }));
          return;
        }
      }
      if (method !== 'reply' && throttled(conversationId)) {
        attempts.push({ method, conversationId, status: 429, at });
        const headers: Record<string, string> = { 'content-type': 'application/json', 'retry-after': String(options.throttle?.retryAfterSeconds ?? 1) };
        if (options.throttle?.retryAfterMs !== undefined) headers['retry-after-ms'] = String(options.throttle.retryAfterMs);
        res.writeHead(429, headers).end(JSON.stringify({ error: { code: 'Throttled', message: 'Too many requests in this conversation' } }));
        return;
      }
      if (method !== 'reply') attempts.push({ method, conversationId, status: 200, at });
      if (method === 'send') activityId = `activity-${next++}`;
      calls.push({ method, conversationId, activityId, activity, at });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: activityId }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    calls,
    attempts,
    members,
    messages(conversationId) {
      const shown = new Map<string, Record<string, unknown>>();
      for (const call of calls) {
        if (call.conversationId !== conversationId) continue;
        const attachments = call.activity.attachments as { content: Record<string, unknown> }[] | undefined;
        const card = attachments?.[0]?.content;
        if (card) shown.set(call.activityId, card);
      }
      return shown;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
