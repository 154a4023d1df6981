/**
 * Setup doctor: checks the configuration, the Graph credentials, each Graph permission the bot
 * needs, whether IRM alerts reach Defender, the roles file and the store. Every check makes only
 * harmless calls, and every failing finding says what to do, in words.
 *
 * Write permissions are probed with an empty PATCH (`{}`) of an alert / incident id that cannot
 * exist. Microsoft Graph authorizes the app's permission (the `roles` claim of its token) before
 * it looks the resource up or reads the body, so a missing permission answers 403
 * (`Authorization_RequestDenied`), while a granted one answers 404 (no such id) or 400 (id not
 * well-formed). Nothing is found, so nothing is changed; and even if the id existed, an empty
 * PATCH sets no property. The embedded tenant behaves the same way (the permission is checked in
 * its server before the route handler runs).
 */
import { access } from 'node:fs/promises';
import type { Config } from '../config.js';
import { graphTokenProvider } from '../defender/credentials.js';
import { GraphClient, odataString, type TokenProvider } from '../defender/graph-client.js';
import { IRM_SOURCE } from '../defender/model.js';
import { AppError, ConfigError, GraphError } from '../errors.js';
import { loadRolesFile } from '../auth/roles.js';
import { openStore } from '../store/store.js';

export interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  config: Config;
  /** Overrides config.graphBaseUrl (the embedded tenant started by the doctor in demo mode). */
  graphBaseUrl?: string;
  /** For tests: a faster client. */
  baseDelayMs?: number;
  /** For tests: stands in for the token provider built from config.graphAuth. */
  token?: TokenProvider;
  now?: () => Date;
}

/** An id no alert or incident has: the write probes PATCH it with an empty body. */
export const PROBE_ID = 'irm-doctor-probe-0000000000';

const PERMISSION_FIX = (permission: string) =>
  `Grant the app registration the Microsoft Graph application permission ${permission} and an admin's consent (Entra admin center → App registrations → the bot's app → API permissions → Add a permission → Microsoft Graph → Application permissions → ${permission}, then "Grant admin consent").`;

type Outcome = { ok: true } | { ok: false; error: unknown };

async function attempt(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

const isUnreachable = (e: unknown) => e instanceof GraphError && (e.httpStatus === null || e.httpStatus === 429 || e.httpStatus >= 500);
const isDenied = (e: unknown) => e instanceof GraphError && e.httpStatus === 403;
const isUnauthenticated = (e: unknown) => e instanceof GraphError && e.httpStatus === 401;
const message = (e: unknown) => (e instanceof AppError ? e.message : e instanceof Error ? e.message : String(e));

export async function runDoctor(options: DoctorOptions): Promise<Finding[]> {
  const { config } = options;
  const now = options.now ?? (() => new Date());
  const findings: Finding[] = [];

  // 1. Configuration (already parsed: loadConfig throws on anything invalid). Secrets: only "set".
  const set: string[] = [];
  if (config.graphAuth.kind === 'clientSecret') set.push('AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET (hidden)');
  if (config.graphAuth.kind === 'managedIdentity') set.push('AZURE_USE_MANAGED_IDENTITY', ...(config.graphAuth.clientId ? ['AZURE_CLIENT_ID'] : []));
  if (config.bot.appId) set.push('MicrosoftAppId', ...(config.bot.appPassword ? ['MicrosoftAppPassword (hidden)'] : []));
  if (config.rolesFile) set.push('ROLES_FILE');
  const graphBaseUrl = options.graphBaseUrl ?? config.graphBaseUrl;
  findings.push({
    check: 'Configuration',
    ok: true,
    detail: `${config.mode} mode; Graph at ${graphBaseUrl ?? '(not set)'}; store ${config.dbFile}; credentials and identities set: ${set.length ? set.join(', ') : 'none'}.`,
  });

  // 2. Credentials.
  const token = options.token ?? graphTokenProvider(config.graphAuth);
  let credentialsOk = true;
  if (!token) {
    findings.push({ check: 'Credentials', ok: true, detail: 'Demo mode: the embedded tenant needs no Graph token.' });
  } else {
    const got = await attempt(() => token());
    credentialsOk = got.ok;
    findings.push(
      got.ok
        ? { check: 'Credentials', ok: true, detail: `A Microsoft Graph token was obtained (${config.graphAuth.kind === 'managedIdentity' ? 'managed identity' : 'client secret'}).` }
        : {
            check: 'Credentials',
            ok: false,
            detail: `No Microsoft Graph token: ${message(got.error)}`,
            fix:
              config.graphAuth.kind === 'managedIdentity'
                ? 'Check that the host has a managed identity assigned (and that AZURE_CLIENT_ID names it, for a user-assigned one).'
                : 'Check AZURE_TENANT_ID and AZURE_CLIENT_ID, and create a new client secret in the app registration if AZURE_CLIENT_SECRET has expired or was mistyped.',
          },
    );
  }

  // 3. Graph: reachability, then each permission by a harmless call.
  const skip = (reason: string, fix: string) => {
    for (const check of [...GRAPH_PERMISSIONS.map(permissionCheck), IRM_CHECK]) findings.push({ check, ok: false, detail: `Not checked: ${reason}`, fix });
  };

  if (!graphBaseUrl) {
    findings.push({
      check: 'Graph reachability',
      ok: false,
      detail: 'No Graph address: GRAPH_BASE_URL is not set and no embedded tenant was started.',
      fix: 'Set GRAPH_BASE_URL to the Graph root (https://graph.microsoft.com/v1.0, or the embedded tenant from "npm run tenant"), or run "npm run doctor" in demo mode, which starts the embedded tenant itself.',
    });
    skip('there is no Graph address.', 'Fix the Graph reachability problem above, then run the doctor again.');
  } else if (!credentialsOk) {
    findings.push({ check: 'Graph reachability', ok: false, detail: 'Not checked: there is no Graph token.', fix: 'Fix the credentials problem above, then run the doctor again.' });
    skip('there is no Graph token.', 'Fix the credentials problem above, then run the doctor again.');
  } else {
    const client = new GraphClient({ baseUrl: graphBaseUrl, token, maxAttempts: 2, baseDelayMs: options.baseDelayMs ?? 300, maxRetryAfterSeconds: 5, timeoutMs: 15_000 });
    // The alert read doubles as the reachability probe.
    const alertRead = await attempt(() => client.listAlerts({ top: 1, limit: 1 }));
    if (!alertRead.ok && isUnreachable(alertRead.error)) {
      const e = alertRead.error as GraphError;
      findings.push({
        check: 'Graph reachability',
        ok: false,
        detail: `Microsoft Graph at ${graphBaseUrl} did not answer usefully: ${e.message}`,
        fix:
          e.httpStatus === null
            ? `Check that ${graphBaseUrl} is the right address and that this machine can reach it (network, proxy, firewall), then run the doctor again.`
            : e.httpStatus === 429
              ? 'Graph is throttling the app: wait a few minutes (other tools using the same app registration share its quota), then run the doctor again.'
              : 'Graph answered with a server error: wait a few minutes and run the doctor again; if it persists, check the Microsoft 365 service health page.',
      });
      skip('Microsoft Graph could not be reached.', 'Fix the Graph reachability problem above, then run the doctor again.');
    } else if (!alertRead.ok && isUnauthenticated(alertRead.error)) {
      findings.push({
        check: 'Graph reachability',
        ok: false,
        detail: `Graph refused the app's token: ${message(alertRead.error)}`,
        fix: 'Check that the app registration is in the tenant named by AZURE_TENANT_ID and that its token is for Microsoft Graph; create a new client secret if the current one has expired.',
      });
      skip("Graph refused the app's token.", 'Fix the Graph reachability problem above, then run the doctor again.');
    } else {
      findings.push({ check: 'Graph reachability', ok: true, detail: `Microsoft Graph at ${graphBaseUrl} answers.` });
      findings.push(permissionFinding('SecurityAlert.Read.All', alertRead, 'alerts can be listed (GET /security/alerts_v2?$top=1).'));

      const alertWrite = await writeProbe(() => client.updateAlert(PROBE_ID, {}));
      findings.push(permissionFinding('SecurityAlert.ReadWrite.All', alertWrite, 'alerts can be updated (empty PATCH of a nonexistent alert was not refused).'));

      const incidentRead = await attempt(() => client.listIncidents({ top: 1, limit: 1 }));
      findings.push(permissionFinding('SecurityIncident.Read.All', incidentRead, 'incidents can be listed (GET /security/incidents?$top=1).'));

      const incidentWrite = await writeProbe(() => client.updateIncident(PROBE_ID, {}));
      findings.push(permissionFinding('SecurityIncident.ReadWrite.All', incidentWrite, 'incidents can be updated (empty PATCH of a nonexistent incident was not refused).'));

      const hunting = await attempt(() => client.runHuntingQuery('AlertInfo | take 1', 'P1D'));
      findings.push(permissionFinding('ThreatHunting.Read.All', hunting, 'advanced hunting runs (AlertInfo | take 1 over one day).'));

      findings.push(await irmFinding(client, alertRead.ok, now()));
    }
  }

  // 4. Roles file.
  findings.push(rolesFinding(config));

  // 5. The store.
  findings.push(await storeFinding(config.dbFile));

  // 6. The tab's sign-in.
  findings.push(tabFinding(config));
  return findings;
}

function tabFinding(config: Config): Finding {
  if (config.mode === 'demo') return { check: 'Tab sign-in', ok: true, detail: 'Demo mode: the tab accepts the demo user (Alex Wilber), from this machine only.' };
  const sso = config.tab.sso;
  if ('missing' in sso) {
    return {
      check: 'Tab sign-in',
      ok: false,
      detail: `The Insider risk queue tab cannot sign anyone in: ${sso.missing}.`,
      fix: 'Set PUBLIC_HOSTNAME to the host name Teams reaches the bot at, and AZURE_TENANT_ID / AZURE_CLIENT_ID to the tenant and the app registration that exposes api://{PUBLIC_HOSTNAME}/{client id} with the access_as_user scope (see the README\'s deployment guide).',
    };
  }
  return {
    check: 'Tab sign-in',
    ok: true,
    detail: `The tab accepts Teams single sign-on tokens for api://${sso.hostname}/${sso.clientId} (or ${sso.clientId}) issued by tenant ${sso.tenantId} with the access_as_user scope; the app registration must pre-authorise the Teams clients.`,
  };
}

/** A PATCH of a nonexistent id: 403 means the permission is missing, 404/400 that it is granted. */
async function writeProbe(call: () => Promise<unknown>): Promise<Outcome> {
  const outcome = await attempt(call);
  if (outcome.ok) return outcome;
  const e = outcome.error;
  if (e instanceof GraphError && (e.httpStatus === 404 || e.httpStatus === 400)) return { ok: true };
  return outcome;
}

/** The Graph permissions the bot needs, each checked by a harmless call, in the report's order. */
const GRAPH_PERMISSIONS = ['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All', 'SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'ThreatHunting.Read.All'] as const;
type GraphPermission = (typeof GRAPH_PERMISSIONS)[number];
const permissionCheck = (permission: GraphPermission) => `Permission ${permission}`;
const IRM_CHECK = 'IRM alerts in the last 30 days';

function permissionFinding(permission: GraphPermission, outcome: Outcome, okDetail: string): Finding {
  const check = permissionCheck(permission);
  if (outcome.ok) return { check, ok: true, detail: `Granted: ${okDetail}` };
  const e = outcome.error;
  if (isDenied(e)) return { check, ok: false, detail: `Graph refused the call (403 ${(e as GraphError).graphCode ?? ''}): the app lacks ${permission}.`.replace(' )', ')'), fix: PERMISSION_FIX(permission) };
  if (isUnreachable(e)) return { check, ok: false, detail: `Not confirmed: Graph did not answer (${message(e)}).`, fix: 'Graph failed during this check: run the doctor again in a few minutes.' };
  return { check, ok: false, detail: `Unexpected answer: ${message(e)}`, fix: 'Run the doctor again; if this persists, compare GRAPH_BASE_URL with https://graph.microsoft.com/v1.0 and check the app registration.' };
}

async function irmFinding(client: GraphClient, canReadAlerts: boolean, now: Date): Promise<Finding> {
  const check = IRM_CHECK;
  if (!canReadAlerts) {
    return { check, ok: false, detail: 'Not checked: the app cannot read alerts.', fix: 'Fix the SecurityAlert.Read.All problem above, then run the doctor again.' };
  }
  const since = new Date(now.getTime() - 30 * 24 * 3600 * 1000).toISOString();
  try {
    // Graph lists the most recent alerts first and documents no ordering option: the newest of the first page.
    const alerts = await client.listAlerts({ filter: `serviceSource eq ${odataString(IRM_SOURCE)} and createdDateTime ge ${since}`, top: 50, limit: 50 });
    const latest = alerts.reduce<string | null>((max, a) => (max === null || a.createdDateTime > max ? a.createdDateTime : max), null);
    if (latest) return { check, ok: true, detail: `Insider Risk Management alerts reach Defender (latest ${latest}).` };
    return {
      check,
      ok: false,
      detail: 'No Insider Risk Management alert has reached Defender in the last 30 days.',
      fix: 'In the Microsoft Purview portal, open Insider Risk Management settings and turn on "Share user risk details with other security solutions" (IRM alerts then reach Defender XDR); also check that an IRM policy is active and producing alerts.',
    };
  } catch (error) {
    return { check, ok: false, detail: `Could not look for IRM alerts: ${message(error)}`, fix: 'Run the doctor again in a few minutes; if it persists, check the Graph problems above.' };
  }
}

function rolesFinding(config: Config): Finding {
  const check = 'Roles file';
  if (!config.rolesFile) {
    return config.mode === 'demo'
      ? { check, ok: true, detail: "ROLES_FILE is not set: the demo roles apply (the Playground's Alex Wilber acts and hunts, Megan Bowen reads)." }
      : {
          check,
          ok: false,
          detail: 'ROLES_FILE is not set: in production nobody may see, act or hunt.',
          fix: "Set ROLES_FILE to a JSON or YAML file naming who holds which Defender role (SecurityOperator or SecurityReader) and Purview role (InsiderRiskManagement, Analyst, Investigator).",
        };
  }
  try {
    const roles = loadRolesFile(config.rolesFile);
    return { check, ok: true, detail: `${config.rolesFile}: ${roles.principals.length} principal(s), ${Object.keys(roles.groups).length} group(s).` };
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems.join('; ') : message(error);
    return { check, ok: false, detail: problems, fix: `Correct ${config.rolesFile} (the problems are named above) or point ROLES_FILE at the right file.` };
  }
}

async function storeFinding(file: string): Promise<Finding> {
  const check = 'Store';
  if (file === ':memory:') return { check, ok: true, detail: 'In memory only: nothing survives a restart.' };
  try {
    await access(file);
  } catch {
    return { check, ok: true, detail: `${file} does not exist yet: the bot will create it on its first start.` };
  }
  try {
    // Read only: a check never writes (not even the split of a store written by an earlier version).
    const store = await openStore(file, null, { readOnly: true });
    const n = await store.counts();
    return {
      check,
      ok: true,
      detail: `${file} opens: ${n.conversations} conversation(s), ${n.incidents} incident(s), ${n.posts} card(s) posted, ${n.decisions} decision(s), ${n.auditEntries} audit entr${n.auditEntries === 1 ? 'y' : 'ies'}.`,
    };
  } catch (error) {
    return {
      check,
      ok: false,
      detail: `${file} could not be opened: ${message(error)}`,
      fix: `Check that the bot may read and write ${file}; if it is corrupt, move it aside (the bot starts afresh, and re-reads incidents from Defender).`,
    };
  }
}

/**
 * The report as a chat message: a paragraph per check (a blank line between). In Markdown a single
 * line break does not start a new line, and Teams renders Markdown lists in text messages on
 * desktop only (*Formatting bot messages*,
 * learn.microsoft.com/microsoftteams/platform/resources/bot-v3/bots-text-formats); a paragraph
 * reads the same on every client.
 */
export function formatReportForChat(findings: readonly Finding[]): string {
  return formatReport(findings)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim())
    .join('\n\n');
}

/** The report as people read it: ✔/✘ per check, the fix under each failure. */
export function formatReport(findings: readonly Finding[]): string {
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${f.ok ? '✔' : '✘'} ${f.check}: ${f.detail}`);
    if (!f.ok && f.fix) lines.push(`    → ${f.fix}`);
  }
  const failed = findings.filter((f) => !f.ok).length;
  lines.push('', failed === 0 ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`);
  return lines.join('\n');
}
