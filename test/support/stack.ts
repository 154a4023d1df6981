/** The real pieces wired together for a test: embedded tenant, bot app (HTTP), fake connector. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBotApp, type BotApp, type BotAppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startTenant, type Tenant } from '@irm-bot/defender-tenant';
import { startFakeConnector, type FakeConnector, type FakeConnectorOptions } from './fake-connector.js';
import { embeddedTenantIrmReader } from '../../src/sync/irm-sync.js';
import { installation, message, postActivity, type Who } from './activities.js';
import type { RolesFile } from '../../src/auth/roles.js';
import { startGraphGate, type GraphGate } from './graph-gate.js';

export interface Stack {
  tenant: Tenant;
  tenantUrl: string;
  graphBaseUrl: string;
  bot: BotApp;
  connector: FakeConnector;
  /** The proxy between bot and tenant that can hold Graph requests (with `gate: true`). */
  gate: GraphGate | null;
  dbFile: string;
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  graphRequests(): Promise<{ method: string; path: string; query: Record<string, string>; status: number; body: unknown }[]>;
  /** Types `text` in a conversation through /api/messages; answers the bot's reply activity (undefined if none). */
  say(conversationId: string, text: string, from?: Who): Promise<Record<string, unknown> | undefined>;
  /** Waits until the card redraws the bot has queued reached the connector (a card action answers the clicker first, then redraws everyone's card). */
  cardsRedrawn(): Promise<void>;
  restartBot(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  seedIncidents?: number;
  env?: Record<string, string>;
  app?: BotAppOptions;
  irmSyncDelaySeconds?: number;
  tenantNow?: () => Date;
  connector?: FakeConnectorOptions;
  /** Written to a ROLES_FILE for the bot (instead of the demo roles). */
  roles?: RolesFile['principals'];
  /** Conversations the app is installed in before the test starts (the install polls are waited for). */
  installIn?: readonly string[];
  /** Put a GraphGate between the bot and the tenant, so a test can hold chosen Graph requests. */
  gate?: boolean;
  /** The tenant enforces Graph's documented request budgets (429 past them): for tests that count requests. */
  quotas?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'irm-stack-'));
  const tenant = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: options.seedIncidents ?? 0, irmSyncDelaySeconds: options.irmSyncDelaySeconds ?? 0, now: options.tenantNow, enforceQuotas: options.quotas });
  const connector = await startFakeConnector(options.connector);
  const dbFile = join(dir, 'db.json');
  const gate = options.gate ? await startGraphGate(tenant.url) : null;
  const rolesEnv: Record<string, string> = {};
  if (options.roles) {
    rolesEnv.ROLES_FILE = join(dir, 'roles.json');
    writeFileSync(rolesEnv.ROLES_FILE, JSON.stringify({ principals: options.roles }));
  }
  const config = loadConfig({ PORT: '0', DB_FILE: dbFile, GRAPH_BASE_URL: gate?.graphBaseUrl ?? tenant.graphBaseUrl, PLAYGROUND: '0', ...rolesEnv, ...options.env });
  const appOptions: BotAppOptions = { host: '127.0.0.1', schedule: false, graph: { baseDelayMs: 5, maxDelayMs: 50 }, irmReader: embeddedTenantIrmReader(tenant.url), ...options.app };
  let bot = await startBotApp(config, appOptions);
  const admin = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(tenant.url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const stack: Stack = {
    tenant,
    tenantUrl: tenant.url,
    graphBaseUrl: tenant.graphBaseUrl,
    get bot() {
      return bot;
    },
    connector,
    gate,
    dbFile,
    admin,
    async graphRequests() {
      return (await admin<{ method: string; path: string; query: Record<string, string>; status: number; body: unknown }[]>('GET', '/_admin/requests')).body;
    },
    async say(conversationId, text, from) {
      const before = connector.calls.length;
      await postActivity(bot.messagesUrl, message(connector.serviceUrl, conversationId, text, from));
      return connector.calls.slice(before).find((c) => c.method === 'reply')?.activity;
    },
    cardsRedrawn() {
      return bot.services.publisher.idle();
    },
    async restartBot() {
      await bot.close();
      bot = await startBotApp(config, appOptions);
    },
    async close() {
      await bot.close();
      await connector.close();
      await gate?.close();
      await tenant.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const conversationId of options.installIn ?? []) await postActivity(bot.messagesUrl, installation(connector.serviceUrl, conversationId));
  await bot.services.poller.idle();
  return stack;
}
