/**
 * With MicrosoftAppId set, /api/messages takes only tokens botbuilder validates as Bot Service
 * channel tokens. The key set is a local issuer's (served as OpenID metadata on loopback), so the
 * real validation path runs: every forged kind is answered 401 and no turn runs (nothing reaches
 * the connector, no conversation is registered). An unreachable key set refuses, never accepts.
 * Secrets set in the environment never appear in what the bot logs, sends or answers.
 *
 * Outbound: replies need a token from Entra, which is out of reach here, so
 * `MicrosoftAppCredentials.getToken` answers a fixed stand-in (inbound validation is untouched).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MicrosoftAppCredentials } from 'botframework-connector';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { setLogLevel, setLogSink } from '../../src/logger.js';
import { ALEX, cardAction, message } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';
import { channelAuthSettings, newKeyPair, startLocalIssuer, type LocalIssuer } from '../support/tokens.js';

const APP_ID = '11111111-2222-3333-4444-555555555555';
const APP_PASSWORD = 'app-password~K7q.Zr9-known-bot-secret';
const CLIENT_SECRET = 'client-secret~Wx3.Pn8-known-graph-secret';
const SECRETS = [APP_PASSWORD, CLIENT_SECRET];
const OUTBOUND_TOKEN = 'outbound-token-stand-in';

const env = {
  MicrosoftAppId: APP_ID,
  MicrosoftAppPassword: APP_PASSWORD,
  MicrosoftAppTenantId: '99999999-8888-7777-6666-555555555555',
  AZURE_TENANT_ID: '99999999-8888-7777-6666-555555555555',
  AZURE_CLIENT_ID: '22222222-3333-4444-5555-666666666666',
  AZURE_CLIENT_SECRET: CLIENT_SECRET,
};

/** Everything the bot wrote (its logger and botbuilder's console output) and every HTTP answer. */
const seen: string[] = [];
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;

const realGetToken = MicrosoftAppCredentials.prototype.getToken;

let issuer: LocalIssuer;
let stack: Stack;
let conversationCounter = 0;

async function post(url: string, activity: unknown, authorization?: string): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(activity) });
  const text = await res.text();
  const headerLines: string[] = [];
  res.headers.forEach((value, name) => headerLines.push(`${name}: ${value}`));
  seen.push(`HTTP ${res.status} ${headerLines.join('; ')} ${text}`);
  return { status: res.status, text };
}

/** A fresh personal conversation, so "registered" can be checked per request. */
const freshConversation = () => `a:auth-test-${++conversationCounter}`;

async function turnRan(s: Stack, conversationId: string): Promise<{ sent: number; registered: boolean }> {
  return {
    sent: s.connector.calls.filter((c) => c.conversationId === conversationId).length,
    registered: (await s.bot.services.store.conversations()).some((c) => c.key === conversationId),
  };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/.well-known/openid-configuration`;
}

beforeAll(async () => {
  setLogLevel('debug');
  setLogSink((line) => seen.push(line));
  // botbuilder writes its own errors with console.error: they are part of what is scanned.
  const asText = (a: unknown) => (a instanceof Error ? `${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a));
  for (const method of consoleMethods) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void seen.push(args.map(asText).join(' ')));
  vi.spyOn(MicrosoftAppCredentials.prototype, 'getToken').mockResolvedValue(OUTBOUND_TOKEN);
  issuer = await startLocalIssuer();
  // Alex may see incidents, so a turn of his that runs registers his conversation.
  stack = await startStack({ env, roles: [{ id: ALEX.aadObjectId, defender: 'SecurityOperator', purview: ['Investigator'] }], app: { botAuthSettings: channelAuthSettings(issuer.metadataUrl) } });
});

afterAll(async () => {
  await stack?.close();
  await issuer?.close();
  setLogSink((line) => process.stderr.write(line + '\n'));
  setLogLevel('warn');
  vi.restoreAllMocks();
});

describe('a valid Bot Service token', () => {
  it('is accepted: 200, the turn runs and the reply reaches the connector', async () => {
    const conversation = freshConversation();
    const activity = message(stack.connector.serviceUrl, conversation, 'help');
    const res = await post(stack.bot.messagesUrl, activity, `Bearer ${issuer.mint(issuer.claims(APP_ID, activity.serviceUrl))}`);
    expect(res.status).toBe(200);
    expect(await turnRan(stack, conversation)).toEqual({ sent: 1, registered: true });
    const reply = stack.connector.calls.find((c) => c.conversationId === conversation);
    expect(reply?.method).toBe('reply');
    // botbuilder read the local key set: the validation that accepted it is the real one.
    expect(issuer.requests).toEqual(expect.arrayContaining(['/.well-known/openid-configuration', '/keys']));
  });
});

describe('forged or misdirected tokens', () => {
  const foreign = newKeyPair('attacker-key');
  const mimic = newKeyPair('local-issuer-key-1'); // another key claiming the trusted key's kid
  const now = () => Math.floor(Date.now() / 1000);
  // Each case: what the Authorization header holds (undefined: no header), given the activity's serviceUrl.
  const forged: [string, (serviceUrl: string) => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['an empty Authorization header', () => ''],
    ['garbage', () => 'Bearer not-a-jwt'],
    ['a valid token under another scheme', (s) => `Basic ${issuer.mint(issuer.claims(APP_ID, s))}`],
    ['alg: none, no kid', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s), { alg: 'none', kid: null })}`],
    ['alg: none with the trusted kid', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s), { alg: 'none' })}`],
    ['HS256 keyed with the public key (algorithm confusion)', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s), { alg: 'HS256' })}`],
    ['self-signed (a key not in the key set)', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s), { key: foreign })}`],
    ['self-signed, claiming the trusted kid', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s), { key: mimic })}`],
    [
      'a tampered payload (trusted signature, other claims)',
      (s) => {
        const [h, , sig] = issuer.mint(issuer.claims('someone-else', s)).split('.');
        return `Bearer ${h}.${Buffer.from(JSON.stringify(issuer.claims(APP_ID, s))).toString('base64url')}.${sig}`;
      },
    ],
    ['wrong audience (another bot)', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s, { aud: '66666666-7777-8888-9999-000000000000' }))}`],
    ['no audience', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s, { aud: undefined }))}`],
    ['wrong issuer', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s, { iss: 'https://evil.example.com' }))}`],
    [
      'an Entra (emulator) issuer signed by another key',
      (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s, { iss: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/', ver: '1.0', appid: APP_ID }), { key: foreign })}`,
    ],
    ['no expiry at all (botbuilder alone would accept it)', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s, { exp: undefined }))}`],
    ['expired (beyond the 5-minute clock tolerance)', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s, { nbf: now() - 7200, exp: now() - 600 }))}`],
    ['not yet valid (beyond the 5-minute clock tolerance)', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s, { nbf: now() + 600, exp: now() + 7200 }))}`],
    ['serviceurl claim for another service URL', () => `Bearer ${issuer.mint(issuer.claims(APP_ID, 'https://smba.trafficmanager.net/emea/'))}`],
    ['no serviceurl claim', (s) => `Bearer ${issuer.mint(issuer.claims(APP_ID, s, { serviceurl: undefined }))}`],
  ];

  it.each(forged)('%s: 401, no turn, nothing sent', async (_kind, header) => {
    const conversation = freshConversation();
    const activity = message(stack.connector.serviceUrl, conversation, 'help');
    const res = await post(stack.bot.messagesUrl, activity, header(activity.serviceUrl));
    expect(res.status).toBe(401);
    expect(await turnRan(stack, conversation)).toEqual({ sent: 0, registered: false });
  });

  it('a card action with a forged token is refused before the bot sees it', async () => {
    const conversation = freshConversation();
    const activity = cardAction(stack.connector.serviceUrl, conversation, 'startInvestigation', { incidentId: '1' });
    const res = await post(stack.bot.messagesUrl, activity, `Bearer ${issuer.mint(issuer.claims(APP_ID, activity.serviceUrl), { key: mimic })}`);
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('adaptive');
    expect(await turnRan(stack, conversation)).toEqual({ sent: 0, registered: false });
  });

  it('every refusal has the same body: no reason, no token details, no stack', async () => {
    const bodies = new Set<string>();
    for (const options of [{ key: mimic }, { key: foreign }, {}]) {
      const activity = message(stack.connector.serviceUrl, freshConversation(), 'help');
      const aud = options.key ? APP_ID : 'another-bot';
      const res = await post(stack.bot.messagesUrl, activity, `Bearer ${issuer.mint(issuer.claims(aud, activity.serviceUrl), options)}`);
      expect(res.status).toBe(401);
      bodies.add(res.text);
    }
    expect([...bodies]).toEqual([JSON.stringify({ error: { code: 'Unauthorized', message: 'The request is not authorized.' } })]);
  });
});

describe('when the key set cannot be fetched', () => {
  const cases: [string, () => Promise<{ url: string; close(): Promise<void> }>][] = [
    ['metadata URL on a closed port', async () => ({ url: await closedPortUrl(), close: async () => undefined })],
    [
      'metadata answers 503',
      async () => {
        const server = createServer((_req, res) => void res.writeHead(503).end('down'));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return {
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/openid-configuration`,
          close: () => new Promise<void>((resolve) => server.close(() => resolve())),
        };
      },
    ],
  ];

  it.each(cases)('%s: a token signed by the right key is refused (401/503), never processed', async (_kind, start) => {
    const keySet = await start();
    const offline = await startStack({ env, app: { botAuthSettings: channelAuthSettings(keySet.url) } });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const conversation = freshConversation();
        const activity = message(offline.connector.serviceUrl, conversation, 'help');
        const res = await post(offline.bot.messagesUrl, activity, `Bearer ${issuer.mint(issuer.claims(APP_ID, activity.serviceUrl))}`);
        expect([401, 503]).toContain(res.status);
        expect(await turnRan(offline, conversation)).toEqual({ sent: 0, registered: false });
      }
    } finally {
      await offline.close();
      await keySet.close();
    }
  });
});

describe('secrets', () => {
  it('a turn whose reply cannot get an outbound token (Entra out of reach) fails without revealing them', async () => {
    // The real MSAL client-credentials request, with the app password, to an Entra it cannot reach.
    vi.mocked(MicrosoftAppCredentials.prototype.getToken).mockImplementation(function (this: MicrosoftAppCredentials, forceRefresh?: boolean) {
      return realGetToken.call(this, forceRefresh);
    });
    try {
      const conversation = freshConversation();
      const activity = message(stack.connector.serviceUrl, conversation, 'help');
      const res = await post(stack.bot.messagesUrl, activity, `Bearer ${issuer.mint(issuer.claims(APP_ID, activity.serviceUrl))}`);
      expect(res.status).toBe(200);
      expect(await turnRan(stack, conversation)).toEqual({ sent: 0, registered: true });
      expect(seen.some((line) => line.includes('unhandled error in a turn'))).toBe(true);
    } finally {
      vi.mocked(MicrosoftAppCredentials.prototype.getToken).mockResolvedValue(OUTBOUND_TOKEN);
    }
  });

  it('are not echoed by configuration errors or the health endpoint', async () => {
    let configError = '';
    try {
      loadConfig({ ...env, MicrosoftAppId: 'not-a-guid', PORT: 'seventy' });
    } catch (err) {
      configError = String(err instanceof Error ? `${err.message} ${JSON.stringify(err)}` : err);
    }
    expect(configError).toContain('MicrosoftAppId');
    seen.push(configError);
    const health = await fetch(stack.bot.messagesUrl.replace('/api/messages', '/healthz'));
    seen.push(`HTTP ${health.status} ${await health.text()}`);
  });

  it('never appear in anything the bot logged, sent to Teams or answered over HTTP', () => {
    const sentToTeams = stack.connector.calls.map((c) => JSON.stringify(c.activity));
    const corpus = [...seen, ...sentToTeams];
    // The corpus holds the bot's log, botbuilder's own console output and the HTTP answers.
    expect(seen.some((line) => line.includes('"scope":"server"'))).toBe(true);
    expect(seen.some((line) => line.includes('JsonWebTokenError'))).toBe(true);
    expect(seen.some((line) => line.startsWith('HTTP 401'))).toBe(true);
    expect(seen.some((line) => line.startsWith('HTTP 200 '))).toBe(true);
    expect(sentToTeams.length).toBeGreaterThan(0);
    for (const secret of SECRETS) {
      const leaks = corpus.filter((line) => line.includes(secret));
      expect(leaks, `secret found in ${leaks.length} line(s)`).toEqual([]);
    }
  });
});
