/**
 * The embedded Defender tenant: a local HTTP server speaking the Microsoft Graph security API
 * (v1.0) over seeded, in-memory data, plus admin paths for demos and tests.
 *
 * Graph requests are logged, may meet an injected fault or a denied permission, then go to the
 * route table. Every answer is JSON; errors have Graph's shape.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PREFER_UNKNOWN_ENUM_MEMBERS } from './graph-model.js';
import { createLogger } from './logger.js';
import { adminRoutes } from './admin-routes.js';
import { TenantControl, type RequestLogEntry } from './control.js';
import { GraphHttpError, graphErrorBody } from './graph-error.js';
import { graphRoutes } from './graph-routes.js';
import type { HuntingEngine } from './hunting-engine.js';
import { kqlHuntingEngine } from './kql/index.js';
import { Router, type Reply, type RequestContext } from './router.js';
import { DEFAULT_SEED, DEFAULT_SEED_INCIDENTS, seedTenant } from './seed.js';
import { DEFAULT_TENANT_ID, TenantState } from './state.js';

const log = createLogger('tenant');

export const MAX_BODY_BYTES = 1024 * 1024;
/** Past this much an oversized body is no longer drained politely: the connection is cut. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export interface TenantOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Incidents seeded at start and on reset; default 8, 0 = empty. */
  seedIncidents?: number;
  /** How long the IRM side takes to reflect a Defender decision; default 0. */
  irmSyncDelaySeconds?: number;
  /** PRNG seed for the data and for fault injection. */
  seed?: number;
  now?: () => Date;
  tenantId?: string;
  /** Runs `runHuntingQuery`; default: the KQL engine of ./kql with advanced hunting's limits. */
  huntingEngine?: HuntingEngine;
  /** Enforce Graph's per-minute budgets (quotas.ts) from the start and after every reset; default false. */
  enforceQuotas?: boolean;
}

export interface Tenant {
  /** e.g. `http://127.0.0.1:3979` */
  url: string;
  /** `url + '/v1.0'`: what a Graph client is pointed at. */
  graphBaseUrl: string;
  /** New at every start: its data is seeded afresh, so a bot's memory of an earlier one does not apply. */
  instanceId: string;
  state: TenantState;
  control: TenantControl;
  close(): Promise<void>;
}

class BodyError extends GraphHttpError {}

/** Read the body (bounded) and parse it as JSON; undefined when empty. */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
        if (size > MAX_DRAIN_BYTES) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (tooLarge) {
        reject(new BodyError(413, 'RequestEntityTooLarge', `The request body is larger than the ${MAX_BODY_BYTES} bytes allowed.`));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new BodyError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'));
      }
    });
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function wantsUnknownMembers(prefer: string | undefined): boolean {
  return (prefer ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .includes(PREFER_UNKNOWN_ENUM_MEMBERS);
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startTenant(options: TenantOptions = {}): Promise<Tenant> {
  const now = options.now ?? (() => new Date());
  const seed = options.seed ?? DEFAULT_SEED;
  const initialSeedCount = options.seedIncidents ?? DEFAULT_SEED_INCIDENTS;
  const state = new TenantState({ seed, now, tenantId: options.tenantId ?? DEFAULT_TENANT_ID, irmSyncDelaySeconds: options.irmSyncDelaySeconds ?? 0 });
  const control = new TenantControl(seed, options.enforceQuotas ?? false);
  const reset = (count: number | undefined) => {
    control.clear();
    state.clear();
    seedTenant(state, count ?? initialSeedCount, state.nowMs());
  };
  reset(undefined);

  const graph = new Router(graphRoutes(state, options.huntingEngine ?? kqlHuntingEngine));
  const admin = new Router(adminRoutes({ state, control, reset }));
  /** Responses a `timeout` fault holds open until the tenant closes. */
  const held = new Set<ServerResponse>();

  const send = (res: ServerResponse, reply: Reply, requestId: string) => {
    if (res.writableEnded || res.destroyed) return;
    const payload = reply.status === 204 || reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      // The tenant's own clock, as Graph's front door stamps every answer.
      date: now().toUTCString(),
      'request-id': requestId,
      'client-request-id': requestId,
      'content-length': Buffer.byteLength(payload),
      ...reply.headers,
    });
    res.end(payload);
  };
  const errorReply = (error: GraphHttpError, requestId: string): Reply => ({
    status: error.status,
    body: graphErrorBody(error.code, error.message, requestId, now()),
    headers: error.headers,
  });

  const dispatch = async (router: Router, ctx: RequestContext, entry: RequestLogEntry | null, requestId: string): Promise<Reply> => {
    const match = router.match(ctx.method, ctx.path);
    if (match.kind === 'none') {
      const segment = ctx.path.split('/').filter(Boolean).pop() ?? '';
      return entry
        ? errorReply(new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`), requestId)
        : errorReply(new GraphHttpError(404, 'NotFound', `No admin path ${ctx.method} ${ctx.path}.`), requestId);
    }
    if (match.kind === 'wrongMethod') {
      return errorReply(new GraphHttpError(405, 'MethodNotAllowed', `${ctx.method} is not allowed on ${ctx.path} (allowed: ${match.allowed.join(', ')}).`, { allow: match.allowed.join(', ') }), requestId);
    }
    if (entry && match.route.permissions && control.lacksAll(match.route.permissions)) {
      return errorReply(
        new GraphHttpError(403, 'Authorization_RequestDenied', `Insufficient privileges to complete the operation. The application needs one of: ${match.route.permissions.join(', ')}.`),
        requestId,
      );
    }
    return match.route.handler({ ...ctx, params: match.params });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://tenant.invalid');
    const path = url.pathname;
    const isGraph = path === '/v1.0' || path.startsWith('/v1.0/');
    const prefer = headerValue(req.headers.prefer);

    let body: unknown;
    let bodyError: GraphHttpError | null = null;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      bodyError = error;
    }

    const entry = isGraph
      ? control.record({
          method,
          path,
          query: Object.fromEntries(url.searchParams),
          body: body ?? null,
          status: 0,
          at: now().toISOString(),
          headers: prefer === undefined ? {} : { prefer },
        })
      : null;

    if (entry) {
      const throttled = control.quotas.admit(method, path, now().getTime());
      if (throttled) {
        const { budget, retryAfterSeconds } = throttled;
        entry.status = 429;
        const message = `Too many requests: the application is over Graph's budget of ${budget.limit} ${budget.name} requests a minute. Retry after ${retryAfterSeconds} seconds.`;
        send(res, errorReply(new GraphHttpError(429, 'TooManyRequests', message, { 'retry-after': String(retryAfterSeconds) }), requestId), requestId);
        return;
      }
      const fault = control.pickFault(path);
      if (fault) {
        entry.fault = fault;
        if (fault === 'timeout') {
          held.add(res);
          res.on('close', () => held.delete(res));
          return;
        }
        if (fault === 'reset') {
          req.socket.destroy();
          return;
        }
        const [status, code, message] =
          fault === '429'
            ? ([429, 'TooManyRequests', 'Too many requests. Please retry after 1 second.'] as const)
            : fault === '500'
              ? ([500, 'InternalServerError', 'An internal server error occurred.'] as const)
              : ([503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.'] as const);
        entry.status = status;
        send(res, errorReply(new GraphHttpError(status, code, message, fault === '429' ? { 'retry-after': '1' } : {}), requestId), requestId);
        return;
      }
    }

    let reply: Reply;
    if (bodyError) {
      reply = errorReply(bodyError, requestId);
    } else if (!isGraph && !path.startsWith('/_admin/')) {
      reply = errorReply(new GraphHttpError(404, 'NotFound', `Nothing here: Graph is under /v1.0 and the admin paths under /_admin.`), requestId);
    } else {
      const ctx: RequestContext = {
        method,
        path,
        query: url.searchParams,
        params: {},
        headers: req.headers,
        body,
        preferUnknownMembers: wantsUnknownMembers(prefer),
        origin: `http://${req.headers.host ?? 'localhost'}`,
      };
      try {
        reply = await dispatch(isGraph ? graph : admin, ctx, entry, requestId);
      } catch (error) {
        if (error instanceof GraphHttpError) {
          reply = errorReply(error, requestId);
        } else {
          log.error('request failed', { method, path, err: error });
          reply = errorReply(new GraphHttpError(500, 'InternalServerError', 'An internal server error occurred.'), requestId);
        }
      }
    }
    if (entry) {
      entry.status = reply.status;
      entry.ms = Math.round((performance.now() - started) * 10) / 10;
    }
    send(res, reply, requestId);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('request crashed', { err: error });
      if (!res.headersSent) send(res, { status: 500, body: graphErrorBody('InternalServerError', 'An internal server error occurred.', 'n/a', now()) }, 'n/a');
      else res.destroy();
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string') throw new Error(`embedded tenant: unexpected listen address ${String(address)}`);
  const url = `http://${displayHost(host)}:${address.port}`;
  log.info('embedded Defender tenant listening', { url, incidents: state.incidents.size, alerts: state.alerts.size });

  return {
    url,
    graphBaseUrl: `${url}/v1.0`,
    instanceId: randomUUID(),
    state,
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of held) res.destroy();
        held.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Same as startTenant. */
export const createTenant = startTenant;
