/**
 * A local stand-in for the Bot Framework connector (the Teams side of proactive messages):
 * records every activity the bot sends or updates and answers like the connector does.
 * Optionally answers 429 with Retry-After to a share of sends.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: 'send' | 'update' | 'reply';
  conversationId: string;
  activityId: string;
  activity: Record<string, unknown>;
}

export interface FakeConnector {
  serviceUrl: string;
  calls: ConnectorCall[];
  /** Cards (attachment contents) currently shown in a conversation, by activity id. */
  messages(conversationId: string): Map<string, Record<string, unknown>>;
  members: Map<string, { id: string; name: string; userPrincipalName: string; aadObjectId: string }>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
}

export async function startFakeConnector(): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
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
        activityId = `activity-${next++}`;
      } else {
        res.writeHead(405).end();
        return;
      }
      calls.push({ method, conversationId, activityId, activity });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: activityId }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    calls,
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
