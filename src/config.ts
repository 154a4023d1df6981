/**
 * Configuration, parsed once at start-up from the environment (and `.env` if present).
 * Every variable of the contract is here; a bad or missing value is reported by name with
 * what is expected, and secrets are never echoed back.
 */
import cron from 'node-cron';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { registerSecret } from './logger.js';
import { DIGEST_THRESHOLD } from './cards/digest-view.js';
import { MAX_ONCALL_MINUTES } from './oncall/service.js';

const DEFAULT_GRAPH = 'https://graph.microsoft.com/v1.0';

const port = (fallback: number) =>
  z.coerce.number({ message: 'expected a port number' }).int('expected a whole number').min(0, 'expected 0..65535').max(65535, 'expected 0..65535').default(fallback);
/** A bare DNS host name (no scheme, port or path), as Teams wants it in the manifest. */
export const HOSTNAME_PATTERN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export const flag = (fallback: boolean) =>
  z
    .enum(['0', '1', 'true', 'false', 'yes', 'no'], { message: 'expected 1 or 0 (true/false)' })
    .default(fallback ? '1' : '0')
    .transform((v) => v === '1' || v === 'true' || v === 'yes');
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));
const guid = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F-]{36}$/, 'expected a GUID such as 00000000-0000-0000-0000-000000000000')
  .optional()
  .or(z.literal('').transform(() => undefined));

const onCallMinutes = z.coerce
  .number({ message: 'expected minutes' })
  .int('expected whole minutes')
  .min(1, `expected 1 to ${MAX_ONCALL_MINUTES} minutes`)
  .max(MAX_ONCALL_MINUTES, `expected 1 to ${MAX_ONCALL_MINUTES} minutes (a week)`);

const envSchema = z.object({
  PORT: port(3978),
  TENANT_PORT: port(3979),
  GRAPH_BASE_URL: z.string().trim().url('expected an absolute URL such as https://graph.microsoft.com/v1.0').optional().or(z.literal('').transform(() => undefined)),
  AZURE_TENANT_ID: guid,
  AZURE_CLIENT_ID: guid,
  AZURE_CLIENT_SECRET: optionalText,
  AZURE_USE_MANAGED_IDENTITY: flag(false),
  MicrosoftAppId: guid,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppTenantId: guid,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], { message: 'expected MultiTenant, SingleTenant or UserAssignedMSI' }).optional(),
  STORE: z.enum(['lowdb', 'azure-blob'], { message: 'expected lowdb (one machine) or azure-blob (replicas sharing Azure Blob Storage)' }).default('lowdb'),
  DB_FILE: z.string().trim().min(1, 'expected a file path').default('./data/db.json'),
  AZURE_STORAGE_CONNECTION_STRING: optionalText,
  // Azure's rule for container names: https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata
  STORE_CONTAINER: z
    .string()
    .trim()
    .regex(/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/, 'expected an Azure container name: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit')
    .default('irm-bot'),
  POLL_SCHEDULE: z
    .string()
    .trim()
    .default('*/30 * * * * *')
    .refine((v) => cron.validate(v), 'expected a cron expression (5 fields, or 6 with seconds first), e.g. "*/30 * * * * *"'),
  SEED_INCIDENTS: z.coerce.number({ message: 'expected a whole number' }).int('expected a whole number').min(0, 'expected 0 or more').max(100000, 'expected at most 100000').optional(),
  PLAYGROUND: flag(true),
  PLAYGROUND_PORT: port(56150),
  IRM_SYNC_DELAY: z.coerce.number({ message: 'expected seconds' }).min(0, 'expected 0 or more seconds').max(7200, 'expected at most 7200 seconds').optional(),
  ROLES_FILE: optionalText,
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent'], { message: 'expected debug, info, warn, error or silent' }).default('info'),
  BACKFILL_LIMIT: z.coerce.number().int('expected a whole number').min(0).max(200, 'expected at most 200').default(10),
  SUMMARY_SCHEDULE: z
    .string()
    .trim()
    .default('0 8 * * 1-5')
    .refine((v) => v === 'off' || cron.validate(v), 'expected a cron expression such as "0 8 * * 1-5" (08:00 on weekdays), or off'),
  MENTION_MIN_SEVERITY: z.enum(['low', 'medium', 'high'], { message: 'expected low, medium or high' }).default('high'),
  // The same bounds as `oncall remind|escalate` in chat: up to a week.
  REMIND_AFTER_MINUTES: onCallMinutes.default(15),
  ESCALATE_AFTER_MINUTES: onCallMinutes.default(15),
  IRM_SYNC_BOUND_MINUTES: z.coerce.number({ message: 'expected minutes' }).int('expected whole minutes').min(1, 'expected 1 to 1440 minutes').max(1440, 'expected 1 to 1440 minutes').default(45),
  PUBLIC_HOSTNAME: z
    .string()
    .trim()
    .regex(HOSTNAME_PATTERN, 'expected a bare host name like irm-bot.contoso.com: no https://, port or path')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TEAMS_APP_ID: guid,
  DIGEST_THRESHOLD: z.coerce.number({ message: 'expected a number of incidents' }).int('expected a whole number').min(1, 'expected 1 to 1000').max(1000, 'expected 1 to 1000').default(DIGEST_THRESHOLD),
});

export type Mode = 'demo' | 'production';

export interface Config {
  mode: Mode;
  port: number;
  tenantPort: number;
  /** Unset in demo mode until the embedded tenant has started and reported its URL. */
  graphBaseUrl: string | undefined;
  graphAuth:
    | { kind: 'none' }
    | { kind: 'clientSecret'; tenantId: string; clientId: string; clientSecret: string }
    | { kind: 'managedIdentity'; clientId: string | undefined };
  bot: { appId: string | undefined; appPassword: string | undefined; appTenantId: string | undefined; appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI' };
  dbFile: string;
  /** Where the bot keeps its memory: lowdb files on this machine, or Azure Blob Storage shared by replicas. */
  store: { kind: 'lowdb'; file: string } | { kind: 'azure-blob'; connectionString: string; container: string };
  pollSchedule: string;
  seedIncidents: number | undefined;
  playground: { enabled: boolean; port: number };
  irmSyncDelaySeconds: number;
  rolesFile: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  backfillLimit: number;
  summarySchedule: string | null;
  onCall: { mentionMinSeverity: 'low' | 'medium' | 'high'; remindAfterMinutes: number; escalateAfterMinutes: number };
  digestThreshold: number;
  irmSyncBoundMinutes: number;
  /** The personal tab and its API. */
  tab: TabConfig;
}

export interface TabConfig {
  /** Where people reach the bot (https://{PUBLIC_HOSTNAME}); null in demo mode, where it is this machine. */
  publicBaseUrl: string | null;
  /** The Teams app id, for links that open a Teams dialog. */
  teamsAppId: string | null;
  /** Production: what a Teams single sign-on token must be issued for; null (with why) when not configured. */
  sso: { tenantId: string; clientId: string; hostname: string } | { missing: string };
}

/** Parse the environment; throws ConfigError listing every problem by variable name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Registered before anything is checked, so no later message can print them, valid or not.
  registerSecret(env.AZURE_CLIENT_SECRET?.trim());
  registerSecret(env.MicrosoftAppPassword?.trim());
  registerSecret(env.AZURE_STORAGE_CONNECTION_STRING?.trim());
  // Its key (or SAS) alone is as secret as the whole string.
  for (const part of env.AZURE_STORAGE_CONNECTION_STRING?.split(';') ?? []) {
    const [name, ...value] = part.split('=');
    if (name?.trim() === 'AccountKey' || name?.trim() === 'SharedAccessSignature') registerSecret(value.join('=').trim());
  }
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;

  const problems: string[] = [];
  const wantsGraphCredentials = Boolean(e.AZURE_CLIENT_ID || e.AZURE_CLIENT_SECRET || e.AZURE_TENANT_ID || e.AZURE_USE_MANAGED_IDENTITY);
  const mode: Mode = wantsGraphCredentials || e.MicrosoftAppId ? 'production' : 'demo';

  let graphAuth: Config['graphAuth'] = { kind: 'none' };
  if (mode === 'production') {
    if (e.AZURE_USE_MANAGED_IDENTITY) {
      graphAuth = { kind: 'managedIdentity', clientId: e.AZURE_CLIENT_ID };
    } else {
      if (!e.AZURE_TENANT_ID) problems.push('AZURE_TENANT_ID: required in production mode (the Entra tenant GUID)');
      if (!e.AZURE_CLIENT_ID) problems.push('AZURE_CLIENT_ID: required in production mode (the app registration GUID)');
      if (!e.AZURE_CLIENT_SECRET) problems.push('AZURE_CLIENT_SECRET: required in production mode (or set AZURE_USE_MANAGED_IDENTITY=1)');
      if (e.AZURE_TENANT_ID && e.AZURE_CLIENT_ID && e.AZURE_CLIENT_SECRET) {
        graphAuth = { kind: 'clientSecret', tenantId: e.AZURE_TENANT_ID, clientId: e.AZURE_CLIENT_ID, clientSecret: e.AZURE_CLIENT_SECRET };
      }
    }
    if (e.MicrosoftAppId && !e.MicrosoftAppPassword && e.MicrosoftAppType !== 'UserAssignedMSI') {
      problems.push('MicrosoftAppPassword: required when MicrosoftAppId is set (unless MicrosoftAppType=UserAssignedMSI)');
    }
    // New Azure Bot registrations are single-tenant (creating multi-tenant bots is deprecated since
    // 31 July 2025, "Register a bot with Azure"), so that is the default, and it needs the tenant.
    if (e.MicrosoftAppId && (e.MicrosoftAppType ?? 'SingleTenant') === 'SingleTenant' && !e.MicrosoftAppTenantId) {
      problems.push(
        `MicrosoftAppTenantId: required when MicrosoftAppType is SingleTenant${e.MicrosoftAppType ? '' : ' (the default: Azure no longer creates multi-tenant bots; set MicrosoftAppType=MultiTenant only for an older multi-tenant registration)'}`,
      );
    }
  }
  if (e.STORE === 'azure-blob' && !e.AZURE_STORAGE_CONNECTION_STRING) {
    problems.push("AZURE_STORAGE_CONNECTION_STRING: required when STORE=azure-blob (the storage account's connection string, from its Access keys)");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const store: Config['store'] =
    e.STORE === 'azure-blob' ? { kind: 'azure-blob', connectionString: e.AZURE_STORAGE_CONNECTION_STRING!, container: e.STORE_CONTAINER } : { kind: 'lowdb', file: e.DB_FILE };

  return {
    mode,
    port: e.PORT,
    tenantPort: e.TENANT_PORT,
    graphBaseUrl: e.GRAPH_BASE_URL ?? (mode === 'production' ? DEFAULT_GRAPH : undefined),
    graphAuth,
    bot: { appId: e.MicrosoftAppId, appPassword: e.MicrosoftAppPassword, appTenantId: e.MicrosoftAppTenantId, appType: e.MicrosoftAppType ?? 'SingleTenant' },
    dbFile: e.DB_FILE,
    store,
    pollSchedule: e.POLL_SCHEDULE,
    seedIncidents: e.SEED_INCIDENTS,
    playground: { enabled: e.PLAYGROUND, port: e.PLAYGROUND_PORT },
    irmSyncDelaySeconds: e.IRM_SYNC_DELAY ?? (mode === 'demo' ? 5 : 0),
    rolesFile: e.ROLES_FILE,
    logLevel: e.LOG_LEVEL,
    backfillLimit: e.BACKFILL_LIMIT,
    summarySchedule: e.SUMMARY_SCHEDULE === 'off' ? null : e.SUMMARY_SCHEDULE,
    onCall: { mentionMinSeverity: e.MENTION_MIN_SEVERITY, remindAfterMinutes: e.REMIND_AFTER_MINUTES, escalateAfterMinutes: e.ESCALATE_AFTER_MINUTES },
    digestThreshold: e.DIGEST_THRESHOLD,
    irmSyncBoundMinutes: e.IRM_SYNC_BOUND_MINUTES,
    tab: tabConfig(e),
  };
}

/**
 * The app registration the tab's single sign-on is for (the manifest's `webApplicationInfo.id`
 * and the audience the tab API accepts: `npm run package` and the bot use this one rule):
 * AZURE_CLIENT_ID, else MicrosoftAppId. With a managed identity, AZURE_CLIENT_ID names the
 * identity, which cannot expose an API: the bot's app registration serves the tab then.
 */
export function ssoClientId(e: { AZURE_USE_MANAGED_IDENTITY: boolean; AZURE_CLIENT_ID?: string; MicrosoftAppId?: string }): string | undefined {
  return e.AZURE_USE_MANAGED_IDENTITY ? e.MicrosoftAppId : (e.AZURE_CLIENT_ID ?? e.MicrosoftAppId);
}

function tabConfig(e: z.infer<typeof envSchema>): TabConfig {
  const hostname = e.PUBLIC_HOSTNAME?.toLowerCase();
  const clientId = ssoClientId(e);
  const tenantId = e.AZURE_TENANT_ID ?? e.MicrosoftAppTenantId;
  const missing = [!hostname && 'PUBLIC_HOSTNAME', !clientId && (e.AZURE_USE_MANAGED_IDENTITY ? 'MicrosoftAppId' : 'AZURE_CLIENT_ID (or MicrosoftAppId)'), !tenantId && 'AZURE_TENANT_ID (or MicrosoftAppTenantId)'].filter(Boolean);
  return {
    publicBaseUrl: hostname ? `https://${hostname}` : null,
    teamsAppId: e.TEAMS_APP_ID ?? e.MicrosoftAppId ?? null,
    sso: hostname && clientId && tenantId ? { tenantId, clientId, hostname } : { missing: `the tab's sign-in is not configured: set ${missing.join(', ')}` },
  };
}
