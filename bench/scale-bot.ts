/**
 * The bot process of `bench/scale.ts`: the real bot, started through its stable entry
 * (`loadConfig` + `startBotApp`, no schedule), in a process of its own so that its CPU time and
 * RSS are its own. The bench drives it over IPC: "poll" runs one poll now (`services.poller.poll()`)
 * and answers what it cost this process; nothing internal is reached past `services.poller`.
 *
 * Environment: what `loadConfig` reads (PORT, DB_FILE, GRAPH_BASE_URL, PLAYGROUND, LOG_LEVEL, …),
 * plus BENCH_TENANT_URL (the embedded tenant's admin base, for its IRM status reader).
 */
import { performance } from 'node:perf_hooks';
import { startBotApp, type BotApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { setLogLevel } from '../src/logger.js';
import { embeddedTenantIrmReader } from '../src/sync/irm-sync.js';

export type BotRequest = { id: number; cmd: 'poll' | 'idle' | 'memory' | 'close' };
export type BotReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
export interface PollCost {
  result: unknown;
  ms: number;
  /** process.cpuUsage() delta (user + system) over the poll, in ms. */
  cpuMs: number;
  rss: number;
  heapUsed: number;
}

const send = (message: unknown) => process.send!(message);

const config = loadConfig(process.env);
setLogLevel(config.logLevel);
const tenantUrl = process.env.BENCH_TENANT_URL;
if (!tenantUrl) throw new Error('BENCH_TENANT_URL is not set');
const startedAt = performance.now();
const bot: BotApp = await startBotApp(config, { host: '127.0.0.1', schedule: false, irmReader: embeddedTenantIrmReader(tenantUrl) });
send({ ready: true, messagesUrl: bot.messagesUrl, startMs: performance.now() - startedAt, rss: process.memoryUsage().rss });

async function handle(cmd: BotRequest['cmd']): Promise<unknown> {
  switch (cmd) {
    case 'poll': {
      const cpu = process.cpuUsage();
      const start = performance.now();
      const result = await bot.services.poller.poll();
      const ms = performance.now() - start;
      const used = process.cpuUsage(cpu);
      const memory = process.memoryUsage();
      return { result, ms, cpuMs: (used.user + used.system) / 1000, rss: memory.rss, heapUsed: memory.heapUsed } satisfies PollCost;
    }
    case 'idle':
      await bot.services.poller.idle();
      await bot.services.publisher.idle();
      return null;
    case 'memory':
      return process.memoryUsage();
    case 'close':
      await bot.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (message: BotRequest) => {
  handle(message.cmd).then(
    (value) => send({ id: message.id, ok: true, value } satisfies BotReply),
    (err: unknown) => send({ id: message.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies BotReply),
  );
});
// The bench going away takes the bot with it.
process.on('disconnect', () => process.exit(0));
