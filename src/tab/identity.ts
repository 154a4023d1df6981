/**
 * Who is calling the tab's API. Production: the Teams single sign-on token (an Entra ID access
 * token for this app) in `Authorization: Bearer`, validated for signature, issuer, audience,
 * tenant, scope and lifetime. Demo mode: only the demo identity, the Playground's current user,
 * and only from this machine; any token presented is refused rather than trusted.
 */
import type { IncomingMessage } from 'node:http';
import { ServiceUnavailableError, UnauthorizedError } from '../errors.js';
import type { Actor } from '../store/store.js';
import { SsoTokenValidator, bearerToken } from './sso.js';
import type { TabConfig } from '../config.js';

/** The Agents Playground's built-in current user (Alex Wilber, Teams id `user-id-0`, unless its `.m365agentsplayground.yml` names another); DEMO_ROLES lets them act and hunt. */
export const DEMO_TAB_USER: Actor = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: '00000000-0000-0000-0000-0000000000020' };

export interface TabIdentity {
  mode: 'demo' | 'production';
  identify(req: IncomingMessage): Promise<Actor>;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** The name the browser used for this server: a page on another name that resolves here (DNS rebinding) is not this machine. */
function isLocalHostHeader(host: string | undefined): boolean {
  const name = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

export function demoIdentity(): TabIdentity {
  return {
    mode: 'demo',
    async identify(req) {
      if (req.headers.authorization) throw new UnauthorizedError('Demo mode accepts only the demo identity: send no Authorization header.');
      if (!isLoopback(req.socket.remoteAddress) || !isLocalHostHeader(req.headers.host)) throw new UnauthorizedError('Demo mode accepts the demo identity only from this machine, at localhost or 127.0.0.1.');
      return DEMO_TAB_USER;
    },
  };
}

export function ssoIdentity(sso: TabConfig['sso'], options: { jwksUrl?: string } = {}): TabIdentity {
  if ('missing' in sso) {
    return {
      mode: 'production',
      async identify() {
        throw new ServiceUnavailableError(`The tab cannot sign anyone in: ${sso.missing}.`);
      },
    };
  }
  const validator = new SsoTokenValidator({ ...sso, jwksUrl: options.jwksUrl });
  return {
    mode: 'production',
    async identify(req) {
      const header = req.headers.authorization;
      const token = bearerToken(Array.isArray(header) ? header[0] : header);
      if (!token) throw new UnauthorizedError('Sign in through Teams: this request has no single sign-on token.');
      const who = await validator.validate(token);
      return { id: `aad:${who.oid}`, name: who.name, aadObjectId: who.oid, ...(who.upn ? { upn: who.upn } : {}) };
    },
  };
}
