/**
 * The bot's HTTP server: `POST /api/messages` for the Bot Service (or the Playground) and
 * `GET /healthz`. Plain node:http; bodies are size-limited and must be JSON before botbuilder
 * sees them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import { createLogger } from './logger.js';
import { RequestError } from './errors.js';

const log = createLogger('server');
const MAX_BODY_BYTES = 512 * 1024;

export interface BotServerOptions {
  adapter: CloudAdapter;
  logic: (context: TurnContext) => Promise<void>;
  health: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** More routes (the tab and its API), tried in order before the 404; each answers true if it handled the request. */
  routes?: ((req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>)[];
}

export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new RequestError(413, `The request body is larger than ${limit} bytes.`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestError(400, 'The request body is not valid JSON.');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}

const UNAUTHORIZED = { error: { code: 'Unauthorized', message: 'The request is not authorized.' } };

/**
 * botbuilder's Response interface over node's ServerResponse. botbuilder answers 401 only for its
 * own AuthenticationError; a token that fails in jsonwebtoken (bad signature, not yet valid) or a
 * key set it cannot fetch comes back as 500 with the error text. Any failure before the turn began
 * is authentication that did not succeed: 401 with a fixed body, the reason in the log.
 */
function botResponse(res: ServerResponse, turnStarted: () => boolean, cardAction: boolean) {
  let refused = false;
  const refuse = (reason: unknown) => {
    log.warn('request refused: not authenticated', { reason: typeof reason === 'string' ? reason.slice(0, 300) : undefined });
    sendJson(res, 401, UNAUTHORIZED);
  };
  return {
    socket: res.socket,
    status(code: number) {
      refused = !turnStarted() && (code === 401 || code >= 500);
      // Universal Actions: the HTTP status of a card click's answer is 200; its body carries the
      // outcome (botbuilder would send the body's statusCode as the HTTP status).
      res.statusCode = refused ? 401 : cardAction && turnStarted() ? 200 : code;
      return this;
    },
    header(name: string, value: unknown) {
      res.setHeader(name, String(value));
      return this;
    },
    send(body?: unknown) {
      if (refused) return refuse(body);
      if (body === undefined || body === null) return res.end();
      if (typeof body === 'string' || Buffer.isBuffer(body)) return res.end(body);
      if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify(body));
    },
    end(...args: unknown[]) {
      if (refused && !res.headersSent) return refuse(undefined);
      return res.end(...(args as []));
    },
  };
}

export function createBotServer(options: BotServerOptions): Server {
  return createServer((req, res) => {
    void route(req, res, options).catch((err: unknown) => {
      if (err instanceof RequestError) return sendJson(res, err.status, { error: { code: err.code, message: err.message } });
      log.error('request failed', { path: req.url, err });
      sendJson(res, 500, { error: { code: 'InternalError', message: 'The bot could not handle this request.' } });
    });
  });
}

async function route(req: IncomingMessage, res: ServerResponse, options: BotServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/healthz' && req.method === 'GET') {
    // A probe reads the status: 503 when the bot is up but not doing its job (see health.ts).
    const health = { ok: true, ...(await options.health()) };
    return sendJson(res, health.ok ? 200 : 503, health);
  }
  if (path === '/api/messages') {
    if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'MethodNotAllowed', message: 'Use POST.' } });
    const body = await readJsonBody(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof (body as { type?: unknown }).type !== 'string') {
      throw new RequestError(400, 'The request body is not a Bot Framework activity (an object with a "type").');
    }
    const request = { body: body as Record<string, unknown>, headers: req.headers, method: req.method };
    let turnStarted = false;
    const logic = (context: TurnContext) => {
      turnStarted = true;
      return options.logic(context);
    };
    const activity = body as { type: string; name?: unknown };
    const cardAction = activity.type === 'invoke' && activity.name === 'adaptiveCard/action';
    await options.adapter.process(request, botResponse(res, () => turnStarted, cardAction), logic);
    return;
  }
  for (const handle of options.routes ?? []) if (await handle(req, res, path)) return;
  sendJson(res, 404, { error: { code: 'NotFound', message: `Nothing at ${path.slice(0, 100)}.` } });
}

export function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
