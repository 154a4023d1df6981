/**
 * A local stand-in for the Bot Framework token issuer: an RSA key pair, its OpenID metadata and
 * key set (JWKS) served on loopback the way https://login.botframework.com publishes them, and
 * RS256 tokens with the claims a Bot Service channel token carries. The bot is pointed at it
 * through botbuilder's own `ToBotFromChannelOpenIdMetadataUrl` setting, so botbuilder's real
 * validation (issuer, signature, audience, lifetime, endorsements, serviceurl) runs on them.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallerIdConstants, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';

/** What the Bot Service puts in `iss` (botbuilder's ToBotFromChannelTokenIssuer). */
export const BOT_SERVICE_ISSUER = AuthenticationConstants.ToBotFromChannelTokenIssuer;

export interface KeyPair {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newKeyPair(kid: string): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export interface MintOptions {
  /** Signing key (default: the issuer's trusted key). */
  key?: KeyPair;
  /** The header's `kid` (default: the signing key's). `null` leaves it out. */
  kid?: string | null;
  /** `RS256` (default), `none` (no signature), or `HS256` keyed with the trusted public key's PEM (algorithm confusion). */
  alg?: 'RS256' | 'none' | 'HS256';
}

/** A compact JWS, written by hand so that malformed and unsigned variants are as easy as valid ones. */
export function signJwt(claims: Record<string, unknown>, key: KeyPair, options: { kid?: string | null; alg?: 'RS256' | 'none' | 'HS256' } = {}): string {
  const alg = options.alg ?? 'RS256';
  const kid = options.kid === undefined ? key.kid : options.kid;
  const header: Record<string, unknown> = { alg, typ: 'JWT', ...(kid === null ? {} : { kid }), ...(alg === 'RS256' ? { x5t: kid ?? undefined } : {}) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  if (alg === 'none') return `${input}.`;
  if (alg === 'HS256') {
    const secret = key.publicKey.export({ type: 'spki', format: 'pem' });
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

export interface LocalIssuer {
  /** http://127.0.0.1:port/.well-known/openid-configuration */
  metadataUrl: string;
  key: KeyPair;
  /** Requests for the metadata and the key set, in order (proof that botbuilder read them). */
  requests: string[];
  /** Channel-token claims for this bot and service URL, valid for an hour. */
  claims(appId: string, serviceUrl: string, overrides?: Record<string, unknown>): Record<string, unknown>;
  /** A token over `claims`, signed by the trusted key unless told otherwise. */
  mint(claims: Record<string, unknown>, options?: MintOptions): string;
  close(): Promise<void>;
}

/** Starts the issuer on a loopback port. Its key set endorses the key for these channels (as Microsoft's does). */
export async function startLocalIssuer(options: { endorsements?: string[] } = {}): Promise<LocalIssuer> {
  const key = newKeyPair('local-issuer-key-1');
  const requests: string[] = [];
  const jwk = key.publicKey.export({ format: 'jwk' });
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push(path);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (path === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: BOT_SERVICE_ISSUER,
          authorization_endpoint: `${base}/authorize`,
          jwks_uri: `${base}/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        }),
      );
      return;
    }
    if (path === '/keys') {
      const keys = [{ kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n: jwk.n, e: jwk.e, endorsements: options.endorsements ?? ['msteams', 'skype', 'webchat', 'directline'] }];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    metadataUrl: `http://127.0.0.1:${port}/.well-known/openid-configuration`,
    key,
    requests,
    claims(appId, serviceUrl, overrides = {}) {
      const now = Math.floor(Date.now() / 1000);
      return { serviceurl: serviceUrl, nbf: now - 60, exp: now + 3600, iss: BOT_SERVICE_ISSUER, aud: appId, ...overrides };
    },
    mint(claims, mintOptions = {}) {
      return signJwt(claims, mintOptions.key ?? key, { kid: mintOptions.kid, alg: mintOptions.alg });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * botbuilder's public-cloud channel settings with the key set moved to `metadataUrl`. botbuilder
 * takes all of these as given once any is set, so every one is spelled out (Microsoft's values
 * except the key set; the emulator's key set is the local one too, so no test reaches the internet).
 */
export function channelAuthSettings(metadataUrl: string): Partial<ConfigurationBotFrameworkAuthenticationOptions> {
  return {
    ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: metadataUrl,
    ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
}

