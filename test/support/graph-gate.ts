/**
 * A pass-through proxy between the bot and the embedded tenant that can hold chosen Graph
 * requests until the test lets them go: the timing of a real tenant that is slow at the wrong
 * moment, made exact. Everything else is forwarded as it is.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldRequest {
  method: string;
  path: string;
}

export interface Hold {
  /** Resolves when a matching request has arrived (and is being held). */
  arrived: Promise<HeldRequest>;
  /** Let the held request (and any later one this hold would have caught) through. */
  release(): void;
}

export interface GraphGate {
  /** The Graph base URL to give the bot (`…/v1.0`). */
  graphBaseUrl: string;
  /** Hold the next request matching `match` until `release()`. */
  hold(match: (request: HeldRequest) => boolean): Hold;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startGraphGate(tenantUrl: string): Promise<GraphGate> {
  const holds: { match: (r: HeldRequest) => boolean; arrive: (r: HeldRequest) => void; released: Promise<void>; caught: boolean }[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const request = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]! };
      const body = await bodyOf(req);
      const hold = holds.find((h) => !h.caught && h.match(request));
      if (hold) {
        hold.caught = true;
        hold.arrive(request);
        await hold.released;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
      const answer = await fetch(tenantUrl + (req.url ?? '/'), { method: req.method, headers, body: body.length ? new Uint8Array(body) : undefined });
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'content-encoding') out[name] = value;
      });
      res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    graphBaseUrl: `http://127.0.0.1:${port}/v1.0`,
    hold(match) {
      let arrive!: (r: HeldRequest) => void;
      let release!: () => void;
      const arrived = new Promise<HeldRequest>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ match, arrive, released, caught: false });
      return { arrived, release };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of holds) h.caught = true;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
