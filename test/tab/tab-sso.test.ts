/**
 * Teams SSO tokens for the tab's API: the validator takes valid v1 and v2 Entra access tokens of
 * this tenant and app, and refuses every forged or unfit kind with a 401 UnauthorizedError whose
 * message says why in words and never repeats the token. The key set is a local stand-in for
 * Entra's (../support/entra.ts), so jose's real signature and claim checks run; an unreachable
 * key set refuses, never accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, UnauthorizedError } from '../../src/errors.js';
import { setLogSink } from '../../src/logger.js';
import { bearerToken, MAX_TOKEN_LENGTH, SsoTokenValidator } from '../../src/tab/sso.js';
import { CLIENT_ID, HOSTNAME, OTHER_TENANT_ID, startLocalEntra, TENANT_ID, unreachableUrl, USER_OID, type LocalEntra } from '../support/entra.js';
import { newKeyPair } from '../support/tokens.js';

let entra: LocalEntra;
let validator: SsoTokenValidator;
const logLines: string[] = [];
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  setLogSink((line) => logLines.push(line));
  entra = await startLocalEntra();
  validator = new SsoTokenValidator(entra.settings());
});

afterAll(async () => {
  setLogSink((line) => process.stderr.write(line + '\n'));
  await entra.close();
});

/** Validates, expects a 401 refusal, checks the message is words without the token, and returns it. */
async function refusal(token: string, using: SsoTokenValidator = validator): Promise<UnauthorizedError> {
  const outcome = await using.validate(token).then(
    (identity) => ({ accepted: identity }),
    (err: unknown) => ({ err }),
  );
  if ('accepted' in outcome) throw new Error(`expected a refusal, but the token was accepted as ${JSON.stringify(outcome.accepted)}`);
  const err = outcome.err;
  expect(err).toBeInstanceOf(UnauthorizedError);
  const refused = err as UnauthorizedError;
  expect(refused.status).toBe(401);
  expect(refused.code).toBe(ErrorCode.Unauthorized);
  expect(refused.message.trim().length).toBeGreaterThan(0);
  if (token !== '') expect(refused.message).not.toContain(token);
  // Not even a piece of it: no header, payload or signature segment appears.
  for (const part of token.split('.').filter((p) => p.length >= 8)) expect(refused.message).not.toContain(part);
  if (refused.cause instanceof Error && token !== '') expect(refused.cause.message).not.toContain(token);
  return refused;
}

describe('valid Teams SSO tokens', () => {
  it('accepts a v2 token (client id audience) and returns the user', async () => {
    const identity = await validator.validate(entra.mint(entra.v2Claims()));
    expect(identity).toEqual({ oid: USER_OID, tid: TENANT_ID, name: 'Dana Analyst', upn: 'dana@contoso.com' });
  });

  it('accepts a v1 token (Application ID URI audience) and reads upn', async () => {
    const identity = await validator.validate(entra.mint(entra.v1Claims()));
    expect(identity).toEqual({ oid: USER_OID, tid: TENANT_ID, name: 'Dana Analyst', upn: 'dana.v1@contoso.com' });
  });

  it('accepts either audience in either format', async () => {
    await expect(validator.validate(entra.mint(entra.v2Claims({ aud: `api://${HOSTNAME}/${CLIENT_ID}` })))).resolves.toMatchObject({ oid: USER_OID });
    await expect(validator.validate(entra.mint(entra.v1Claims({ aud: CLIENT_ID })))).resolves.toMatchObject({ oid: USER_OID });
  });

  it('falls back to preferred_username, then "Unknown user", for the name', async () => {
    const byUsername = await validator.validate(entra.mint(entra.v2Claims({ name: undefined })));
    expect(byUsername).toEqual({ oid: USER_OID, tid: TENANT_ID, name: 'dana@contoso.com', upn: 'dana@contoso.com' });
    const nameless = await validator.validate(entra.mint(entra.v2Claims({ name: undefined, preferred_username: undefined })));
    expect(nameless).toEqual({ oid: USER_OID, tid: TENANT_ID, name: 'Unknown user' });
    expect('upn' in nameless).toBe(false);
    const v1Nameless = await validator.validate(entra.mint(entra.v1Claims({ name: '  ' })));
    expect(v1Nameless).toEqual({ oid: USER_OID, tid: TENANT_ID, name: 'Unknown user', upn: 'dana.v1@contoso.com' });
  });

  it('compares tenant GUIDs without regard to case and returns ids in lower case', async () => {
    const upper = new SsoTokenValidator(entra.settings({ tenantId: TENANT_ID.toUpperCase() }));
    const identity = await upper.validate(entra.mint(entra.v2Claims({ tid: TENANT_ID.toUpperCase(), oid: USER_OID.toUpperCase().replace(/0/g, 'A') })));
    expect(identity.tid).toBe(TENANT_ID);
    expect(identity.oid).toBe(USER_OID.replace(/0/g, 'a'));
  });

  it('allows five minutes of clock skew by default, and no more than configured', async () => {
    const skewed = entra.mint(entra.v2Claims({ exp: now() - 60, nbf: now() + 60 }));
    await expect(validator.validate(skewed)).resolves.toMatchObject({ oid: USER_OID });
    const strict = new SsoTokenValidator(entra.settings({ clockToleranceSeconds: 0 }));
    expect((await refusal(skewed, strict)).message).toMatch(/not valid yet|expired/);
  });

  it('accepts a large but legitimate token (8 KB of claims)', async () => {
    const token = entra.mint(entra.v2Claims({ groups: Array.from({ length: 200 }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`) }));
    expect(token.length).toBeGreaterThan(8 * 1024);
    expect(token.length).toBeLessThan(MAX_TOKEN_LENGTH);
    await expect(validator.validate(token)).resolves.toMatchObject({ oid: USER_OID });
  });
});

describe('refused tokens', () => {
  const stranger = newKeyPair('entra-local-key-current'); // same kid as the tenant's key, different key
  interface Case {
    name: string;
    token: () => string;
    reason: RegExp;
  }
  const cases: Case[] = [
    { name: 'signed by another key under the tenant key’s kid', token: () => entra.mint(entra.v2Claims(), { key: stranger }), reason: /signature is not valid/ },
    { name: 'an unknown kid', token: () => entra.mint(entra.v2Claims(), { kid: 'not-a-published-kid' }), reason: /not in the tenant’s sign-in key set/ },
    { name: 'no kid', token: () => entra.mint(entra.v2Claims(), { kid: null }), reason: /does not name its signing key/ },
    { name: 'alg none', token: () => entra.mint(entra.v2Claims(), { alg: 'none' }), reason: /not signed with RS256/ },
    { name: 'HS256 keyed with the public key (algorithm confusion)', token: () => entra.mint(entra.v2Claims(), { alg: 'HS256' }), reason: /not signed with RS256/ },
    { name: 'expired an hour ago', token: () => entra.mint(entra.v2Claims({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 })), reason: /expired/ },
    { name: 'expired just beyond the tolerance', token: () => entra.mint(entra.v2Claims({ exp: now() - 320 })), reason: /expired/ },
    { name: 'not yet valid', token: () => entra.mint(entra.v2Claims({ nbf: now() + 3600 })), reason: /not valid yet/ },
    { name: 'without exp', token: () => entra.mint(entra.v2Claims({ exp: undefined })), reason: /lacks the "exp" claim/ },
    { name: 'with a non-numeric exp', token: () => entra.mint(entra.v2Claims({ exp: 'never' })), reason: /"exp" claim is not valid/ },
    { name: 'without iat', token: () => entra.mint(entra.v2Claims({ iat: undefined })), reason: /lacks the "iat" claim/ },
    { name: 'issued in the future', token: () => entra.mint(entra.v2Claims({ iat: now() + 3600 })), reason: /issued in the future/ },
    { name: 'a wrong issuer', token: () => entra.mint(entra.v2Claims({ iss: 'https://login.microsoftonline.com/common/v2.0' })), reason: /not issued by this tenant/ },
    { name: 'a near-miss issuer (extra slash)', token: () => entra.mint(entra.v2Claims({ iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0/` })), reason: /not issued by this tenant/ },
    { name: 'without an issuer', token: () => entra.mint(entra.v1Claims({ iss: undefined })), reason: /lacks the "iss" claim/ },
    {
      name: 'another tenant’s issuer and tid',
      token: () => entra.mint(entra.v2Claims({ iss: `https://login.microsoftonline.com/${OTHER_TENANT_ID}/v2.0`, tid: OTHER_TENANT_ID })),
      reason: /not issued by this tenant/,
    },
    { name: 'another tenant’s v1 issuer', token: () => entra.mint(entra.v1Claims({ iss: `https://sts.windows.net/${OTHER_TENANT_ID}/`, tid: OTHER_TENANT_ID })), reason: /not issued by this tenant/ },
    { name: 'a tid that differs from the (correct) issuer', token: () => entra.mint(entra.v2Claims({ tid: OTHER_TENANT_ID })), reason: /another tenant/ },
    { name: 'without tid', token: () => entra.mint(entra.v2Claims({ tid: undefined })), reason: /lacks the "tid" claim/ },
    { name: 'a wrong audience', token: () => entra.mint(entra.v2Claims({ aud: `api://${HOSTNAME}/${OTHER_TENANT_ID}` })), reason: /audience is not this app/ },
    { name: 'another host’s Application ID URI', token: () => entra.mint(entra.v1Claims({ aud: `api://evil.example.com/${CLIENT_ID}` })), reason: /audience is not this app/ },
    { name: 'an audience list that includes this app', token: () => entra.mint(entra.v2Claims({ aud: [CLIENT_ID, 'https://graph.microsoft.com'] })), reason: /audience is not this app/ },
    { name: 'without oid', token: () => entra.mint(entra.v2Claims({ oid: undefined })), reason: /lacks the "oid" claim/ },
    { name: 'an oid that is not a GUID', token: () => entra.mint(entra.v2Claims({ oid: 'dana' })), reason: /no object id/ },
    { name: 'an app-only token (roles, no scp)', token: () => entra.mint(entra.v2Claims({ scp: undefined, roles: ['Incidents.Read.All'], idtyp: 'app' })), reason: /app-only/ },
    { name: 'neither scp nor roles', token: () => entra.mint(entra.v1Claims({ scp: undefined })), reason: /no delegated scope/ },
    { name: 'scp without access_as_user', token: () => entra.mint(entra.v2Claims({ scp: 'User.Read openid profile' })), reason: /lacks the access_as_user scope/ },
    { name: 'scp with a look-alike of access_as_user', token: () => entra.mint(entra.v2Claims({ scp: 'access_as_user_admin User.Read' })), reason: /lacks the access_as_user scope/ },
    { name: 'an empty string', token: () => '', reason: /no token/ },
    { name: '"abc"', token: () => 'abc', reason: /not a well-formed JWT/ },
    { name: 'three dots', token: () => '...', reason: /not a well-formed JWT/ },
    { name: 'three base64url parts that are not JSON', token: () => 'abcd.efgh.ijkl', reason: /not a well-formed JWT/ },
    { name: 'a token with whitespace inside', token: () => entra.mint(entra.v2Claims()).replace('.', ' .'), reason: /not a well-formed JWT/ },
    {
      name: 'a validly signed token over 16 KB',
      token: () => entra.mint(entra.v2Claims({ padding: 'x'.repeat(MAX_TOKEN_LENGTH) })),
      reason: /longer than 16 KB/,
    },
  ];

  it.each(cases)('refuses $name', async ({ token, reason }) => {
    const refused = await refusal(token());
    expect(refused.message).toMatch(reason);
  });

  it('refuses a tampered payload under a valid signature', async () => {
    const [header, , signature] = entra.mint(entra.v2Claims()).split('.');
    const payload = Buffer.from(JSON.stringify(entra.v2Claims({ oid: '99999999-9999-9999-9999-999999999999' }))).toString('base64url');
    expect((await refusal(`${header}.${payload}.${signature}`)).message).toMatch(/signature is not valid/);
  });
});

describe('the key set', () => {
  it('is fetched once and cached, and unknown kids do not trigger a refetch storm', async () => {
    const fresh = new SsoTokenValidator(entra.settings());
    const before = entra.requests.length;
    for (let i = 0; i < 3; i++) await fresh.validate(entra.mint(entra.v2Claims()));
    for (let i = 0; i < 3; i++) await refusal(entra.mint(entra.v2Claims(), { kid: `forged-${i}` }), fresh);
    expect(entra.requests.slice(before)).toEqual([`/${TENANT_ID}/discovery/v2.0/keys`]);
  });

  it('refuses (never accepts) when the key set cannot be reached, and says so in the log', async () => {
    const token = entra.mint(entra.v2Claims());
    const offline = new SsoTokenValidator(entra.settings({ jwksUrl: await unreachableUrl() }));
    const linesBefore = logLines.length;
    const refused = await refusal(token, offline);
    expect(refused.message).toMatch(/sign-in keys could not be fetched/);
    expect(refused.cause).toBeDefined();
    const logged = logLines.slice(linesBefore);
    expect(logged.some((line) => line.includes('key set could not be fetched'))).toBe(true);
    for (const line of logged) expect(line).not.toContain(token);
  });

  it('refuses when the key set answers an error status', async () => {
    const wrongPath = new SsoTokenValidator(entra.settings({ jwksUrl: entra.jwksUrl.replace('/keys', '/nope') }));
    expect((await refusal(entra.mint(entra.v2Claims()), wrongPath)).message).toMatch(/sign-in keys could not be fetched/);
  });
});

describe('settings', () => {
  it('refuses to start with a tenant, client or host that cannot be right, saying which', () => {
    const attempt = () => new SsoTokenValidator({ tenantId: 'contoso.onmicrosoft.com', clientId: 'bot', hostname: 'https://irm-bot.contoso.com/' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const problems = (err as ConfigError).problems;
      expect(problems.map((p) => p.split(':')[0])).toEqual(['tenantId', 'clientId', 'hostname']);
    }
  });

  it('refuses a key set URL that is not http(s) and a negative clock tolerance', () => {
    expect(() => new SsoTokenValidator({ tenantId: TENANT_ID, clientId: CLIENT_ID, hostname: HOSTNAME, jwksUrl: 'file:///etc/keys.json' })).toThrow(/jwksUrl/);
    expect(() => new SsoTokenValidator({ tenantId: TENANT_ID, clientId: CLIENT_ID, hostname: HOSTNAME, clockToleranceSeconds: -1 })).toThrow(/clockToleranceSeconds/);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER   abc.def-_~+/ghi==', 'abc.def-_~+/ghi=='],
    ['  Bearer abc.def.ghi  ', 'abc.def.ghi'],
  ])('reads %j', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Bearerabc.def.ghi', 'Basic dXNlcjpwYXNz', 'Bearer abc def', 'Token abc.def.ghi', 'Bearer abc,def'])('returns null for %j', (header) => {
    expect(bearerToken(header)).toBeNull();
  });
});
