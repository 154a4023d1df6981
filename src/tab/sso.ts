/**
 * Teams single sign-on for the tab's API. Teams hands the tab an Entra access token issued for
 * the bot's app registration (manifest `webApplicationInfo`); the tab sends it as
 * `Authorization: Bearer …` and this module decides whether it proves who the caller is.
 *
 * Entra issues two formats, chosen by the registration's `accessTokenAcceptedVersion`:
 * v2 (`iss` https://login.microsoftonline.com/{tid}/v2.0, `aud` usually the client id) and
 * v1 (`iss` https://sts.windows.net/{tid}/, `aud` usually the Application ID URI). Both are
 * accepted, from this tenant only, signed RS256 by a key in the tenant's published key set.
 * Only delegated tokens carrying the `access_as_user` scope pass: app-only tokens prove no user.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import {
  JOSEAlgNotAllowed,
  JWKSMultipleMatchingKeys,
  JWKSNoMatchingKey,
  JWSInvalid,
  JWSSignatureVerificationFailed,
  JWTClaimValidationFailed,
  JWTExpired,
  JWTInvalid,
} from 'jose/errors';
import { AppError, ConfigError, UnauthorizedError } from '../errors.js';
import { log } from '../logger.js';

export interface SsoSettings {
  /** Entra tenant GUID: tokens issued by any other tenant are refused. */
  tenantId: string;
  /** The app registration Teams requests SSO tokens for (manifest webApplicationInfo.id). */
  clientId: string;
  /** PUBLIC_HOSTNAME, e.g. irm-bot.contoso.com: the Application ID URI is api://{hostname}/{clientId}. */
  hostname: string;
  /** Default https://login.microsoftonline.com/{tenantId}/discovery/v2.0/keys (tests point it at a local key set). */
  jwksUrl?: string;
  /** Default 300 (5 minutes, as Microsoft.Identity.Web). */
  clockToleranceSeconds?: number;
}

export interface SsoIdentity {
  /** The user's Entra object id (lower case). */
  oid: string;
  /** The tenant id (lower case). */
  tid: string;
  name: string;
  upn?: string;
}

/** Entra access tokens are a few KB; anything far larger is refused before it is parsed. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
export const REQUIRED_SCOPE = 'access_as_user';

const DEFAULT_CLOCK_TOLERANCE_SECONDS = 300;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A host name with an optional port: what goes between `api://` and `/{clientId}`. */
const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;
/** Compact JWS: three base64url parts (an empty signature is left for the `alg` check to refuse). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** RFC 7235 token68 after the scheme. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

const logger = log.child('tab.sso');

const refused = (reason: string, cause?: unknown) =>
  new UnauthorizedError(`Teams sign-in refused: ${reason}.`, cause === undefined ? undefined : { cause });

/** Parses an Authorization header value: returns the token of "Bearer <token>" (case-insensitive scheme), or null. */
export function bearerToken(header: string | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = BEARER.exec(header.trim());
  return match?.[1] ?? null;
}

export class SsoTokenValidator {
  private readonly tenantId: string;
  private readonly issuers: string[];
  private readonly audiences: string[];
  private readonly clockTolerance: number;
  private readonly keyFor: JWTVerifyGetKey;

  constructor(settings: SsoSettings) {
    const problems: string[] = [];
    const tenantId = settings.tenantId.trim().toLowerCase();
    const clientId = settings.clientId.trim();
    const hostname = settings.hostname.trim();
    if (!GUID.test(tenantId)) problems.push('tenantId: expected the Entra tenant GUID such as 00000000-0000-0000-0000-000000000000');
    if (!GUID.test(clientId)) problems.push('clientId: expected the app registration (client) GUID from the manifest webApplicationInfo.id');
    if (!HOSTNAME.test(hostname)) problems.push('hostname: expected the bare public host name (such as irm-bot.contoso.com), without https:// or a path');
    const tolerance = settings.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 3600) problems.push('clockToleranceSeconds: expected a number of seconds from 0 to 3600');
    const jwksUrl = settings.jwksUrl ?? `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`;
    let keySetUrl: URL | null = null;
    try {
      keySetUrl = new URL(jwksUrl);
      if (keySetUrl.protocol !== 'https:' && keySetUrl.protocol !== 'http:') throw new TypeError('not http(s)');
    } catch {
      problems.push('jwksUrl: expected an https URL of the Entra key set (leave it unset for Microsoft’s)');
    }
    if (problems.length > 0 || keySetUrl === null) throw new ConfigError(problems);

    this.tenantId = tenantId;
    this.issuers = [`https://login.microsoftonline.com/${tenantId}/v2.0`, `https://sts.windows.net/${tenantId}/`];
    this.audiences = [`api://${hostname}/${clientId}`, clientId];
    this.clockTolerance = tolerance;

    // One resolver per validator: jose caches the key set (10 minutes) and refetches for an
    // unknown kid at most every 30 seconds, so forged kids cannot make it hammer Entra.
    const keySet = createRemoteJWKSet(keySetUrl);
    const keySetHref = keySetUrl.href;
    this.keyFor = async (header, token) => {
      // Entra always names its key; without a kid jose would try the only key there is.
      if (typeof header.kid !== 'string' || header.kid === '') throw refused('the token does not name its signing key (no "kid")');
      try {
        return await keySet(header, token);
      } catch (err) {
        if (err instanceof JWKSNoMatchingKey) throw refused('the token was signed with a key that is not in the tenant’s sign-in key set');
        if (err instanceof JWKSMultipleMatchingKeys) throw refused('the token’s key id matches more than one key in the sign-in key set');
        // Unreachable, slow, non-200 or unreadable key set: refuse (never accept), and say so in the log.
        logger.warn('the Entra sign-in key set could not be fetched; Teams SSO tokens are refused until it can', { url: keySetHref, err });
        throw refused('the sign-in keys could not be fetched', err);
      }
    };
  }

  /** Validates the raw JWT (no "Bearer " prefix); throws UnauthorizedError with a short reason in words. */
  async validate(token: string): Promise<SsoIdentity> {
    if (typeof token !== 'string' || token.length === 0) throw refused('no token was sent');
    if (token.length > MAX_TOKEN_LENGTH) throw refused(`the token is longer than ${MAX_TOKEN_LENGTH / 1024} KB`);
    if (!COMPACT_JWS.test(token)) throw refused('the token is not a well-formed JWT');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyFor, {
        algorithms: ['RS256'],
        issuer: this.issuers,
        audience: this.audiences,
        clockTolerance: this.clockTolerance,
        requiredClaims: ['exp', 'iat', 'tid', 'oid'],
      }));
    } catch (err) {
      throw err instanceof AppError ? err : refused(reasonFor(err));
    }
    return this.identityOf(payload);
  }

  /** The checks jose does not make: Entra's own claims. */
  private identityOf(claims: JWTPayload): SsoIdentity {
    // Entra access tokens carry one audience; jose would also take an array containing ours.
    if (typeof claims.aud !== 'string') throw refused('the token’s audience is not this app');
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.iat === 'number' && claims.iat > now + this.clockTolerance) throw refused('the token claims to be issued in the future');
    const tid = claims.tid;
    if (typeof tid !== 'string' || tid.toLowerCase() !== this.tenantId) throw refused('the token belongs to another tenant');
    const oid = claims.oid;
    if (typeof oid !== 'string' || !GUID.test(oid)) throw refused('the token does not identify a user (no object id)');
    const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
    if (scopes.length === 0) {
      throw refused(claims.roles !== undefined ? 'the token is an app-only token, not a user’s' : 'the token carries no delegated scope');
    }
    if (!scopes.includes(REQUIRED_SCOPE)) throw refused(`the token lacks the ${REQUIRED_SCOPE} scope`);

    const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
    const upn = text(claims.preferred_username) ?? text(claims.upn);
    return {
      oid: oid.toLowerCase(),
      tid: tid.toLowerCase(),
      name: text(claims.name) ?? text(claims.preferred_username) ?? 'Unknown user',
      ...(upn === undefined ? {} : { upn }),
    };
  }
}

/** jose's failure, in words. Its own messages are not shown: they are for developers. */
function reasonFor(err: unknown): string {
  if (err instanceof JOSEAlgNotAllowed) return 'the token is not signed with RS256';
  if (err instanceof JWSSignatureVerificationFailed) return 'the token’s signature is not valid';
  if (err instanceof JWTExpired) return 'the token has expired';
  if (err instanceof JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `the token lacks the "${err.claim}" claim`;
    switch (err.claim) {
      case 'iss':
        return 'the token was not issued by this tenant’s Entra ID';
      case 'aud':
        return 'the token’s audience is not this app';
      case 'nbf':
        return 'the token is not valid yet';
      default:
        return `the token’s "${err.claim}" claim is not valid`;
    }
  }
  if (err instanceof JWSInvalid || err instanceof JWTInvalid) return 'the token is not a well-formed JWT';
  return 'the token could not be validated';
}
