/**
 * A local stand-in for Entra ID as the Teams tab sees it: the tenant's sign-in key set (JWKS)
 * served on loopback at the path Microsoft uses (/{tenant}/discovery/v2.0/keys), and the claims
 * of v1 and v2 Teams SSO access tokens, signed RS256 by hand (../support/tokens.ts) so that
 * forged variants (other key, unknown kid, `none`, HS256 confusion) are as easy as valid ones.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SsoSettings } from '../../src/tab/sso.js';
import { newKeyPair, signJwt, type KeyPair, type MintOptions } from './tokens.js';

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const OTHER_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
export const CLIENT_ID = '0b6f2c1e-3d4a-4e5b-8c9d-a1b2c3d4e5f6';
export const HOSTNAME = 'irm-bot.contoso.com';
export const USER_OID = '00000000-0000-0000-1111-222233334444';

/**
 * The bot in production mode with one app registration for Graph, the Bot Service and the tab's
 * sign-in, in this tenant, at HOSTNAME. Tests stand in for Graph's token (`graph.token`) and point
 * the sign-in keys at the local key set (`tabSsoJwksUrl`).
 */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  MicrosoftAppId: CLIENT_ID,
  MicrosoftAppPassword: 'not-used-by-these-tests',
  MicrosoftAppTenantId: TENANT_ID,
  MicrosoftAppType: 'SingleTenant',
  AZURE_TENANT_ID: TENANT_ID,
  AZURE_CLIENT_ID: CLIENT_ID,
  AZURE_CLIENT_SECRET: 'not-used-by-these-tests-either',
  PUBLIC_HOSTNAME: HOSTNAME,
};

export interface LocalEntra {
  /** http://127.0.0.1:port/{tenant}/discovery/v2.0/keys */
  jwksUrl: string;
  /** The tenant's current signing key (published in the key set). */
  key: KeyPair;
  /** Paths requested from the server, in order (proof of what the validator fetched, and how often). */
  requests: string[];
  /** Validator settings for this tenant and app, pointed at the local key set. */
  settings(overrides?: Partial<SsoSettings>): SsoSettings;
  /**
   * Claims of a v2 Teams SSO token for USER_OID, valid for an hour. An override of `undefined`
   * removes the claim (JSON leaves it out).
   */
  v2Claims(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Claims of a v1 token (sts.windows.net issuer, Application ID URI audience, `upn`). */
  v1Claims(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** A compact JWS over `claims`, signed by the tenant's key unless told otherwise. */
  mint(claims: Record<string, unknown>, options?: MintOptions): string;
  close(): Promise<void>;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Starts the key set on a free loopback port. It also publishes a second (older) key, as Entra does. */
export async function startLocalEntra(): Promise<LocalEntra> {
  const key = newKeyPair('entra-local-key-current');
  const older = newKeyPair('entra-local-key-older');
  const requests: string[] = [];
  const keysPath = `/${TENANT_ID}/discovery/v2.0/keys`;
  const published = [key, older].map((k) => {
    const jwk = k.publicKey.export({ format: 'jwk' });
    return { kty: 'RSA', use: 'sig', kid: k.kid, x5t: k.kid, n: jwk.n, e: jwk.e, issuer: `https://login.microsoftonline.com/${TENANT_ID}/v2.0` };
  });
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push(path);
    if (path === keysPath) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const common = () => {
    const now = nowSeconds();
    return { iat: now - 60, nbf: now - 60, exp: now + 3600, tid: TENANT_ID, oid: USER_OID, scp: 'access_as_user', name: 'Dana Analyst' };
  };
  return {
    jwksUrl: `${base}${keysPath}`,
    key,
    requests,
    settings: (overrides = {}) => ({ tenantId: TENANT_ID, clientId: CLIENT_ID, hostname: HOSTNAME, jwksUrl: `${base}${keysPath}`, ...overrides }),
    v2Claims: (overrides = {}) => ({
      ...common(),
      ver: '2.0',
      iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
      aud: CLIENT_ID,
      azp: '5e3ce6c0-2b1f-4285-8d4b-75ee78787346', // Teams web client
      preferred_username: 'dana@contoso.com',
      ...overrides,
    }),
    v1Claims: (overrides = {}) => ({
      ...common(),
      ver: '1.0',
      iss: `https://sts.windows.net/${TENANT_ID}/`,
      aud: `api://${HOSTNAME}/${CLIENT_ID}`,
      appid: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', // Teams desktop and mobile client
      upn: 'dana.v1@contoso.com',
      ...overrides,
    }),
    mint: (claims, options = {}) => signJwt(claims, options.key ?? key, { kid: options.kid, alg: options.alg }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL on a port that was free a moment ago and is now closed: connections are refused. */
export async function unreachableUrl(path = '/keys'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
