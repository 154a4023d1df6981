/**
 * The tab API in production mode: every request needs a Teams single sign-on token for this app
 * (validated against a local stand-in for the tenant's key set); the person it names gets what
 * ROLES_FILE grants them, by the same role check as in chat. Demo mode's identity rules too.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIdentity, ssoIdentity, DEMO_TAB_USER } from '../../src/tab/identity.js';
import { ROUTES } from '../../src/tab/api.js';
import { loadConfig } from '../../src/config.js';
import { PRODUCTION_ENV, USER_OID, startLocalEntra, type LocalEntra } from '../support/entra.js';
import { newKeyPair } from '../support/tokens.js';
import { startStack, type Stack } from '../support/stack.js';

const READER_OID = '00000000-0000-0000-1111-555566667777';
const NOBODY_OID = '00000000-0000-0000-1111-888899990000';
let entra: LocalEntra;
let stack: Stack;
let base: string;
let incidentId: string;

const call = async (path: string, token: string | null, init: RequestInit = {}) => {
  const res = await fetch(base + path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as { error?: { code: string; message: string } } & Record<string, unknown> };
};
const tokenFor = (oid: string, name: string, overrides: Record<string, unknown> = {}) => entra.mint(entra.v2Claims({ oid, name, preferred_username: `${name.split(' ')[0]!.toLowerCase()}@contoso.com`, ...overrides }));

beforeAll(async () => {
  entra = await startLocalEntra();
  stack = await startStack({
    seedIncidents: 0,
    env: PRODUCTION_ENV,
    roles: [
      { id: USER_OID, name: 'Dana Analyst', defender: 'SecurityOperator', purview: ['Investigator'] },
      { id: READER_OID, name: 'Rae Reader', defender: 'SecurityReader', purview: ['InsiderRiskManagement'] },
    ],
    app: { tabSsoJwksUrl: entra.jwksUrl, graph: { token: async () => 'graph-token-stand-in', baseDelayMs: 5, maxDelayMs: 50 } } });
  base = `http://127.0.0.1:${stack.bot.port}`;
  incidentId = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', title: 'Mass download before resignation', user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' } })).body.incidentId;
});
afterAll(async () => {
  await stack?.close();
  await entra?.close();
});

describe('production mode', () => {
  it('refuses every route without a token, with 401 and WWW-Authenticate, before any Graph request', async () => {
    const graphBefore = (await stack.graphRequests()).length;
    for (const path of ['/api/tab/session', '/api/tab/incidents', `/api/tab/incidents/${incidentId}`, '/api/tab/hunts/00000000-0000-0000-0000-000000000000']) {
      const res = await call(path, null);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body.error?.message).toContain('single sign-on token');
    }
    const action = await call('/api/tab/actions', null, { method: 'POST', body: JSON.stringify({ verb: 'resolve', data: { incidentId, classification: 'truePositive' } }) });
    expect(action.status).toBe(401);
    expect((await stack.graphRequests()).length).toBe(graphBefore);
  });

  it('checks every route, present and future, for a token and for the role it names', async () => {
    const sample = (pattern: RegExp) =>
      pattern.source
        .replace(/\(\[A-Za-z0-9_-\]\{1,64\}\)/, incidentId)
        .replace(/\(\[0-9a-fA-F\][^)]*\)/, '00000000-0000-4000-8000-000000000000')
        .replace(/^\^|\$$/g, '')
        .replace(/\\\//g, '/');
    const rae = tokenFor(READER_OID, 'Rae Reader');
    const nobody = tokenFor(NOBODY_OID, 'Nobody Special');
    expect(ROUTES.length).toBeGreaterThanOrEqual(5);
    for (const route of ROUTES) {
      const path = sample(route.pattern);
      expect(route.pattern.test(path), path).toBe(true);
      const init = route.method === 'POST' ? { method: 'POST', body: JSON.stringify({ verb: 'startInvestigation', data: { incidentId } }) } : {};
      expect((await call(path, null, init)).status, `${route.method} ${path} without a token`).toBe(401);
      if (route.capability !== 'anyone') expect((await call(path, nobody, init)).status, `${route.method} ${path} with no role`).toBe(403);
      // A reader may see, not act (the action route checks the button's own capability) nor hunt.
      if (route.capability === 'hunt' || route.method === 'POST') expect((await call(path, rae, init)).status, `${route.method} ${path} as a reader`).toBe(403);
    }
  });

  it('refuses forged and misdirected tokens', async () => {
    const forged = {
      'signed by another key': entra.mint(entra.v2Claims({ oid: USER_OID }), { key: newKeyPair('entra-local-key-current') }),
      unsigned: entra.mint(entra.v2Claims({ oid: USER_OID }), { alg: 'none' }),
      expired: tokenFor(USER_OID, 'Dana Analyst', { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200, nbf: Math.floor(Date.now() / 1000) - 7200 }),
      'for another app': tokenFor(USER_OID, 'Dana Analyst', { aud: '11111111-2222-3333-4444-555555555555' }),
      'from another tenant': tokenFor(USER_OID, 'Dana Analyst', { iss: 'https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a/v2.0', tid: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a' }),
      'app-only': tokenFor(USER_OID, 'Dana Analyst', { scp: undefined, roles: ['SecurityAlert.ReadWrite.All'] }),
      garbage: 'not.a.token',
    };
    for (const [kind, token] of Object.entries(forged)) {
      const res = await call('/api/tab/incidents', token);
      expect(res.status, kind).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain(token.slice(0, 40));
    }
  });

  it('a valid token names the person; the roles file decides what they may do', async () => {
    const dana = tokenFor(USER_OID, 'Dana Analyst');
    const session = await call('/api/tab/session', dana);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ user: { name: 'Dana Analyst', upn: 'dana@contoso.com' }, may: { read: true, act: true, hunt: true } });
    const queue = await call('/api/tab/incidents', dana);
    expect(queue.status).toBe(200);
    expect((queue.body.items as { incidentId: string }[]).map((i) => i.incidentId)).toEqual([incidentId]);

    const rae = tokenFor(READER_OID, 'Rae Reader');
    expect((await call('/api/tab/incidents', rae)).status).toBe(200);
    const refused = await call('/api/tab/actions', rae, { method: 'POST', body: JSON.stringify({ verb: 'startInvestigation', data: { incidentId } }) });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toMatch(/Security Operator/);
    expect((await stack.bot.services.store.recentAudit()).some((a) => a.outcome === 'refused' && a.actor.aadObjectId === READER_OID && a.action === 'startInvestigation')).toBe(true);

    const nobody = tokenFor(NOBODY_OID, 'Nobody Special');
    expect((await call('/api/tab/incidents', nobody)).status).toBe(403);
    expect((await call('/api/tab/session', nobody)).body).toMatchObject({ may: { read: false, act: false, hunt: false } });
  });

  it("a decision from the tab is written to Defender in the person's name", async () => {
    const dana = tokenFor(USER_OID, 'Dana Analyst');
    const res = await call('/api/tab/actions', dana, { method: 'POST', body: JSON.stringify({ verb: 'startInvestigation', data: { incidentId } }) });
    expect(res.status).toBe(200);
    const patches = (await stack.graphRequests()).filter((r) => r.method === 'PATCH');
    expect(JSON.stringify(patches)).toContain('"assignedTo":"dana@contoso.com"');
  });

  it('says what to configure when the tab sign-in is not set up', async () => {
    const config = loadConfig({ ...PRODUCTION_ENV, PUBLIC_HOSTNAME: '' });
    expect(config.tab.sso).toEqual({ missing: expect.stringContaining('PUBLIC_HOSTNAME') });
    const identity = ssoIdentity(config.tab.sso);
    await expect(identity.identify(fakeRequest('127.0.0.1', 'Bearer x'))).rejects.toMatchObject({ status: 503, message: expect.stringContaining('set PUBLIC_HOSTNAME') });
  });
});

function fakeRequest(remoteAddress: string, authorization?: string, host = 'localhost:3978'): IncomingMessage {
  return { headers: { host, ...(authorization ? { authorization } : {}) }, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe('demo mode', () => {
  it('accepts the demo identity from this machine only, and never a token', async () => {
    const identity = demoIdentity();
    await expect(identity.identify(fakeRequest('127.0.0.1'))).resolves.toEqual(DEMO_TAB_USER);
    await expect(identity.identify(fakeRequest('::1'))).resolves.toEqual(DEMO_TAB_USER);
    await expect(identity.identify(fakeRequest('192.0.2.2'))).rejects.toMatchObject({ status: 401, message: expect.stringContaining('only from this machine') });
    await expect(identity.identify(fakeRequest('127.0.0.1', 'Bearer abc'))).rejects.toMatchObject({ status: 401 });
    await expect(identity.identify(fakeRequest('127.0.0.1', undefined, '127.0.0.1:3978'))).resolves.toEqual(DEMO_TAB_USER);
    await expect(identity.identify(fakeRequest('127.0.0.1', undefined, 'attacker.example:3978'))).rejects.toMatchObject({ status: 401 });
  });
});
