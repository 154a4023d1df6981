/** What the app package is filled with, from the environment; demo values when nothing is set. */
import { z } from 'zod';

import { HOSTNAME_PATTERN, flag, ssoClientId } from '../config.js';
import { ConfigError } from '../errors.js';

/** Clearly fake: the package builds out of the box, but Teams will not find a bot behind it. */
export const DEMO_APP_ID = '00000000-0000-0000-0000-000000000000';
export const DEMO_HOSTNAME = 'localhost';

export interface PackageConfig {
  /** The Teams app's id (`id`). */
  teamsAppId: string;
  /** The Bot Service app id (`bots[].botId`). */
  botId: string;
  /** Host name the bot and its pages are served from (`validDomains`, `webApplicationInfo.resource`). */
  hostname: string;
  /** The Entra app registration used for single sign-on (`webApplicationInfo.id`). */
  ssoAppId: string;
  /** True when demo values were used because nothing was configured. */
  demo: boolean;
}

const empty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const guid = (name: string) => z.preprocess(empty, z.string({ error: `${name} is required` }).regex(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i, `${name} must be a GUID like 8c1f8f3e-5a52-4c7e-9d0f-2b0d6a9c1e42`));
const hostname = z.preprocess(
  empty,
  z
    .string({ error: 'PUBLIC_HOSTNAME is required (the host name the bot is reached at, e.g. irm-bot.contoso.com)' })
    .regex(HOSTNAME_PATTERN, 'PUBLIC_HOSTNAME must be a bare host name like irm-bot.contoso.com: no https://, port or path'),
);

const envSchema = z.object({
  MicrosoftAppId: guid('MicrosoftAppId'),
  PUBLIC_HOSTNAME: hostname,
  TEAMS_APP_ID: z.preprocess(empty, guid('TEAMS_APP_ID').optional()),
  AZURE_CLIENT_ID: z.preprocess(empty, guid('AZURE_CLIENT_ID').optional()),
  AZURE_USE_MANAGED_IDENTITY: z.preprocess(empty, flag(false)),
});

/** Reads the package settings; with neither `MicrosoftAppId` nor `PUBLIC_HOSTNAME` set, uses demo values. Throws ConfigError naming each bad variable. */
export function loadPackageConfig(env: NodeJS.ProcessEnv = process.env): PackageConfig {
  if (!env.MicrosoftAppId?.trim() && !env.PUBLIC_HOSTNAME?.trim()) {
    return { teamsAppId: DEMO_APP_ID, botId: DEMO_APP_ID, hostname: DEMO_HOSTNAME, ssoAppId: DEMO_APP_ID, demo: true };
  }
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message));
  const { MicrosoftAppId, PUBLIC_HOSTNAME, TEAMS_APP_ID } = parsed.data;
  return { teamsAppId: TEAMS_APP_ID ?? MicrosoftAppId, botId: MicrosoftAppId, hostname: PUBLIC_HOSTNAME.toLowerCase(), ssoAppId: ssoClientId({ ...parsed.data, MicrosoftAppId }) ?? MicrosoftAppId, demo: false };
}
