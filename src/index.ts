/**
 * `npm start`: demo mode (no credentials) starts the embedded Defender tenant, the bot and the
 * Agents Playground; production mode starts the bot against Microsoft Graph and the Bot Service.
 */
import 'dotenv/config';
import { startBotApp, type BotApp } from './app.js';
import { loadConfig, type Config } from './config.js';
import { ConfigError, StoreError } from './errors.js';
import { log, setLogLevel } from './logger.js';
import { startPlayground, type Playground } from './playground.js';
import { startTenant } from '@irm-bot/defender-tenant';
import { tabAssets } from './tab/assets.js';
import { embeddedTenantIrmReader, type IrmStatusReader } from './sync/irm-sync.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.sample for every variable and its default.\n`);
      process.exit(2);
    }
    throw err;
  }
  setLogLevel(config.logLevel);

  const stops: (() => Promise<void>)[] = [];
  const shutdown = async (code: number) => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  let storeScope: string | undefined;
  let irmReader: IrmStatusReader | undefined;
  if (config.mode === 'demo' && !config.graphBaseUrl) {
    const tenant = await startTenant({ port: config.tenantPort, seedIncidents: config.seedIncidents, irmSyncDelaySeconds: config.irmSyncDelaySeconds });
    stops.push(() => tenant.close());
    config = { ...config, graphBaseUrl: tenant.graphBaseUrl };
    storeScope = `embedded-tenant:${tenant.instanceId}`;
    irmReader = embeddedTenantIrmReader(tenant.url);
    log.info('embedded Defender tenant started', { graph: tenant.graphBaseUrl });
  }

  let bot: BotApp;
  try {
    bot = await startBotApp(config, { storeScope, irmReader });
  } catch (err) {
    if (err instanceof StoreError) {
      process.stderr.write(`${err.message}\n`);
      await shutdown(2);
    }
    throw err;
  }
  stops.push(() => bot.close());
  // Build the tab now, so a broken build shows at start rather than on someone's first visit.
  await tabAssets().catch((err: unknown) => log.error('the incident-queue tab could not be built; /tab/ answers 503', { err }));

  let playground: Playground | undefined;
  if (config.mode === 'demo' && config.playground.enabled) {
    playground = await startPlayground({ botEndpoint: `http://127.0.0.1:${bot.port}/api/messages`, port: config.playground.port });
    stops.push(() => playground!.stop());
  }

  const lines = [
    '',
    `  IRM triage bot (${config.mode} mode) on http://localhost:${bot.port}/api/messages`,
    `  Defender Graph: ${config.graphBaseUrl}`,
    `  Incident-queue tab: ${config.mode === 'demo' ? `http://localhost:${bot.port}/tab/   (outside Teams: the demo user)` : `${config.tab.publicBaseUrl ?? '(set PUBLIC_HOSTNAME)'}/tab/`}`,
    playground ? `  Agents Playground: ${playground.url}   <- open this, cards arrive in Personal Chat` : '',
    '',
  ].filter((l, i, all) => l !== '' || i === 0 || i === all.length - 1);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  log.error('start-up failed', { err });
  process.exit(1);
});
