/**
 * What the browser tests start: the embedded tenant, the real bot over HTTP (polling every
 * second), optionally the Agents Playground, and headless Chromium; one `close` stops them all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startBotApp, type BotApp, type BotAppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { embeddedTenantIrmReader } from '../../src/sync/irm-sync.js';
import { startTenant, type Tenant } from '@irm-bot/defender-tenant';
import { launchBrowser } from './browser.js';
import { startPlayground, type Playground } from './playground.js';

export interface BrowserStack {
  tenant: Tenant;
  bot: BotApp;
  /** Null when started without it (production mode: the Playground cannot sign Bot Service tokens). */
  playground: Playground | null;
  browser: Browser;
  /** The embedded tenant's admin paths (`/_admin/…`, see packages/defender-tenant/src/admin-routes.ts), answering the parsed JSON. */
  admin<T>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** The README's pictures come from the browser runs: test-results/ (ignored), or docs/ with UPDATE_SCREENSHOTS=1. */
export const screenshotPath = (name: string) => (process.env.UPDATE_SCREENSHOTS === '1' ? `docs/${name}` : `test-results/${name}`);

export async function startBrowserStack(options: { env?: Record<string, string>; app?: BotAppOptions; playground?: boolean; seedIncidents?: number } = {}): Promise<BrowserStack> {
  const dir = mkdtempSync(join(tmpdir(), 'irm-browser-'));
  const tenant = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: options.seedIncidents ?? 0, irmSyncDelaySeconds: 0 });
  const config = loadConfig({ PORT: '0', DB_FILE: join(dir, 'db.json'), GRAPH_BASE_URL: tenant.graphBaseUrl, POLL_SCHEDULE: '* * * * * *', PLAYGROUND: '0', ...options.env });
  const bot = await startBotApp(config, { host: '127.0.0.1', irmReader: embeddedTenantIrmReader(tenant.url), ...options.app });
  const playground = options.playground === false ? null : await startPlayground({ botEndpoint: bot.messagesUrl });
  const browser = await launchBrowser();
  return {
    tenant,
    bot,
    playground,
    browser,
    async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(tenant.url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return (text ? JSON.parse(text) : null) as T;
    },
    async close() {
      await browser.close();
      await playground?.stop();
      await bot.close();
      await tenant.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
