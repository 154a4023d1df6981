/**
 * Scale figures, measured the way an operator would: the embedded Defender tenant in a process of
 * its own (`packages/defender-tenant/src/main.ts`, what `npm run tenant` runs), the real bot in
 * another (`bench/scale-bot.ts`: `loadConfig` + `startBotApp`), and this process playing Teams (a
 * recording connector, activities posted to /api/messages) and the Defender portal (admin paths).
 * Nothing internal to the bot is used: its store and poller are reached only through HTTP, the
 * store's directory on disk, /proc of its process, and "run one poll now" (`services.poller.poll()`,
 * over IPC). CPU and RSS figures are the bot process's own; the tenant's CPU is reported beside it.
 *
 * `npm run bench` runs this after the hot paths; `npm run bench:scale` runs it alone.
 *   BENCH_SIZES      tenant sizes, default 1000,10000,100000 (each: a fresh tenant, bot and store)
 *   BENCH_BUDGET_S   per size, once the tenant is seeded (default 480): a poll still running past it
 *                    is abandoned, what it did so far is printed, and that size's remaining figures are null
 *   BENCH_SEED_TIMEOUT_MS  how long seeding may take (default 15 minutes)
 *
 * Per size, in this order (the figures' names end in _<size>):
 *   first poll      3 channels installed through /api/messages first; Graph requests (the tenant's
 *                   request log), wall time, bot and tenant CPU, bot RSS after it, store bytes on disk
 *   idle poll       nothing changed
 *   store writes    up to 50 `subscribe` (2 store writes: the subscription, the audit entry) and 50
 *                   `subscriptions` (1: the audit entry) in a channel: p95 HTTP round trip of the
 *                   `subscribe`s; bytes per write = what the bot process handed to write(2) per
 *                   `subscribe` minus per `subscriptions` (/proc/<pid>/io wchar)
 *   incident→card   20 new High incidents, one every 250 ms, a poll every second: creation (admin
 *                   POST) to shown in all 3 channels (own card, or the digest of the first poll after it)
 *   invokes         up to 50 card clicks: Start investigation on each new incident's own card, then Refresh;
 *                   the HTTP round trip less the tenant's time answering the click's Graph requests
 *                   (the goal leaves Graph out), and with it
 *   changed poll    after 1% of the incidents (at most 1000) had an IRM alert set In progress in the
 *                   portal and 20 incidents were created: Graph requests, bot and tenant CPU
 * Linux only for CPU of the tenant, RSS of the tenant and bytes written (/proc); elsewhere those are null.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTAL_USER, FIRST_INCIDENT_ID, GRAPH_PERMISSIONS, SEED_USERS } from '@irm-bot/defender-tenant';
import { ALEX, cardAction, installation, message, postActivity } from '../test/support/activities.js';
import { startFakeConnector, type FakeConnector } from '../test/support/fake-connector.js';
import type { BotReply, BotRequest, PollCost } from './scale-bot.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TENANT_MAIN = join(ROOT, 'packages/defender-tenant/src/main.ts');
const BOT_MAIN = join(ROOT, 'bench/scale-bot.ts');
const CHANNELS = ['19:bench-channel-1@thread.tacv2', '19:bench-channel-2@thread.tacv2', '19:bench-channel-3@thread.tacv2'];
const IRM_SOURCE = 'microsoftInsiderRiskManagement';
const NEW_INCIDENTS = 20;
const WRITES = 50;
const INVOKES = 50;
/** How long the 20 incidents of the latency phase may take to reach every channel. */
const CARD_TIMEOUT_MS = 120_000;
const SEED_TIMEOUT_MS = Number(process.env.BENCH_SEED_TIMEOUT_MS ?? 15 * 60_000);
/** Per size, once its tenant is seeded: a poll still running past it is abandoned (its figures null). */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? 480) * 1000;
const CLOCK_TICKS = 100; // Linux USER_HZ, what /proc/<pid>/stat counts in

export type Figures = Record<string, number | string | null>;

export function line(name: string, value: string): void {
  process.stdout.write(`${name.padEnd(48)} ${value}\n`);
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const mb = (bytes: number) => round(bytes / 1e6, 1);

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function parseSizes(raw: string | undefined): number[] {
  const text = raw?.trim() || '1000,10000,100000';
  const sizes = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  for (const n of sizes) if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`BENCH_SIZES: expected whole numbers from 1 to 100000 separated by commas, not "${text}"`);
  return sizes;
}

/** CPU time (user + system) of another process, in ms, from /proc (Linux); null elsewhere. */
function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
function rssOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
/** Bytes the process handed to write(2) so far (files and sockets), from /proc (Linux); null elsewhere. */
function bytesWrittenBy(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /wchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
/** The store: DB_FILE and any file next to it whose name starts like it (journals, temp files, …). */
function storeBytes(dbFile: string): { bytes: number; files: number } {
  const dir = dirname(dbFile);
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    try {
      const s = statSync(join(dir, name));
      if (s.isFile()) {
        bytes += s.size;
        files++;
      }
    } catch {
      // gone between the listing and the stat (a temp file renamed)
    }
  }
  return { bytes, files };
}

/** Children this bench started and has not stopped yet: killed if the bench itself stops early. */
const live = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

interface TenantProcess {
  child: ChildProcess;
  url: string;
  graphBaseUrl: string;
  seedMs: number;
}

async function startTenantProcess(size: number): Promise<TenantProcess> {
  const start = performance.now();
  const child = track(spawn(process.execPath, ['--import', 'tsx', TENANT_MAIN], {
    cwd: ROOT,
    env: { ...process.env, TENANT_PORT: '0', SEED_INCIDENTS: String(size), IRM_SYNC_DELAY: '0', TENANT_ENFORCE_QUOTAS: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const graphBaseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the tenant did not start within ${SEED_TIMEOUT_MS / 1000} s (seeding ${size})`)), SEED_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /Graph base URL (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the tenant exited (${code ?? signal}) before it was ready: ${stderr.trim()}`));
    });
  });
  child.stdout!.resume();
  return { child, graphBaseUrl, url: graphBaseUrl.replace(/\/v1\.0$/, ''), seedMs: performance.now() - start };
}

interface BotProcess {
  child: ChildProcess;
  messagesUrl: string;
  startMs: number;
  rssAtStart: number;
  call<T>(cmd: BotRequest['cmd']): Promise<T>;
}

async function startBotProcess(env: Record<string, string>): Promise<BotProcess> {
  const child = track(fork(BOT_MAIN, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 1;
  let exited: Error | null = null;
  const ready = new Promise<{ messagesUrl: string; startMs: number; rss: number }>((resolve, reject) => {
    child.on('message', (m: BotReply | { ready: true; messagesUrl: string; startMs: number; rss: number }) => {
      if ('ready' in m) return resolve(m);
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`bot: ${m.error}`));
    });
    child.once('exit', (code, signal) => {
      exited = new Error(`the bot process exited (${code ?? signal})`);
      reject(exited);
      for (const p of pending.values()) p.reject(exited);
      pending.clear();
    });
  });
  const started = await ready;
  return {
    child,
    messagesUrl: started.messagesUrl,
    startMs: started.startMs,
    rssAtStart: started.rss,
    call<T>(cmd: BotRequest['cmd']) {
      if (exited) return Promise.reject(exited);
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, cmd } satisfies BotRequest);
      });
    },
  };
}

/** Stops a child this bench started (by its own handle), waiting up to 10 s before SIGKILL. */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function json<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
async function must<T>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  const res = await json<T>(method, url, body, headers);
  if (res.status >= 300) throw new Error(`${method} ${url.replace(/^https?:\/\/[^/]+/, '')} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

/** Runs `fn` over `items`, `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

/** Counts the Graph requests the tenant received, from its request log (absolute indexes). */
class GraphRequestCounter {
  private cursor = 0;
  constructor(private readonly tenantUrl: string) {}
  /** Requests since the last call (and moves on). */
  async take(): Promise<{ count: number; byPath: Map<string, number>; ms: number }> {
    const entries = await must<{ method: string; path: string; ms?: number }[]>('GET', `${this.tenantUrl}/_admin/requests?since=${this.cursor}`);
    this.cursor += entries.length;
    const byPath = new Map<string, number>();
    for (const e of entries) {
      const key = `${e.method} ${e.path.replace(/^\/v1\.0/, '').replace(/\/(incidents|alerts_v2)\/[^/]+/, '/$1/{id}')}`;
      byPath.set(key, (byPath.get(key) ?? 0) + 1);
    }
    return { count: entries.length, byPath, ms: entries.reduce((sum, e) => sum + (e.ms ?? 0), 0) };
  }
}
const describePaths = (byPath: Map<string, number>) => [...byPath].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${n} ${p}`).join(', ');

/** Where each incident's card (or a digest naming it) was first sent, per conversation. */
class CardWatch {
  private scanned = 0;
  readonly firstSent = new Map<string, Map<string, { at: number; activityId: string }>>();
  /** Digests sent (they name only the newest few of the incidents they stand for). */
  readonly digests: { conversationId: string; at: number }[] = [];
  constructor(private readonly connector: FakeConnector) {}
  scan(): void {
    const calls = this.connector.calls;
    for (; this.scanned < calls.length; this.scanned++) {
      const call = calls[this.scanned]!;
      if (call.method !== 'send') continue;
      const text = JSON.stringify(call.activity.attachments ?? []);
      if (text.includes('"from":"digest"')) {
        this.digests.push({ conversationId: call.conversationId, at: call.at });
        continue;
      }
      const ids = new Set([...text.matchAll(/"incidentId":"([^"]+)"/g)].map((m) => m[1]!));
      for (const id of ids) {
        let byConversation = this.firstSent.get(id);
        if (!byConversation) this.firstSent.set(id, (byConversation = new Map()));
        if (!byConversation.has(call.conversationId)) byConversation.set(call.conversationId, { at: call.at, activityId: call.activityId });
      }
    }
  }
}

interface GraphIncident {
  id: string;
  alerts?: { id: string; serviceSource: string; status: string }[];
}
/** One IRM alert each of `count` incidents spread evenly over the seeded ids (read one by one: no list is sorted for it). */
async function irmAlertsToChange(graphBaseUrl: string, size: number, count: number): Promise<{ incidentId: string; alertId: string }[]> {
  const ids = Array.from({ length: count }, (_, i) => String(FIRST_INCIDENT_ID + Math.floor((i * size) / count)));
  const chosen: { incidentId: string; alertId: string }[] = [];
  await inParallel(ids, 16, async (id) => {
    // IRM is an evolvable member of serviceSource: Graph names it only to callers that ask.
    const incident = await must<GraphIncident>('GET', `${graphBaseUrl}/security/incidents/${id}?$expand=alerts`, undefined, { prefer: 'include-unknown-enum-members' });
    const irm = (incident.alerts ?? []).filter((a) => a.serviceSource === IRM_SOURCE);
    const alert = irm.find((a) => a.status !== 'inProgress') ?? irm[0];
    if (alert) chosen.push({ incidentId: id, alertId: alert.id });
  });
  return chosen;
}

const newIncident = (i: number, severity: string) => ({ severity, user: { upn: SEED_USERS[i % SEED_USERS.length]!.upn }, irmAlerts: 1 });

/** The figures of one size, in the order they are printed; any not measured is null. */
const SIZE_KEYS = [
  'seed_s',
  'first_poll_requests',
  'first_poll_ms',
  'first_poll_cpu_ms',
  'first_poll_tenant_cpu_ms',
  'rss_mb',
  'store_file_bytes',
  'idle_poll_requests',
  'idle_poll_ms',
  'store_write_p95_ms',
  'store_bytes_per_write',
  'incident_to_card_p95_s',
  'invoke_p95_ms_50',
  'invoke_with_graph_p95_ms_50',
  'changed_poll_requests',
  'changed_poll_ms',
  'changed_poll_cpu_ms',
  'changed_poll_tenant_cpu_ms',
] as const;

class OutOfTime extends Error {}

/** One tenant size: every figure the scale issue asks for, printed as lines and answered by name. */
export async function measureSize(size: number, budgetMs: number): Promise<Figures> {
  const f: Figures = {};
  const set = (key: (typeof SIZE_KEYS)[number], value: number | null) => void (f[`${key}_${size}`] = value);
  const dir = mkdtempSync(join(tmpdir(), 'irm-bench-scale-'));
  const dbFile = join(dir, 'store', 'db.json');
  mkdirSync(dirname(dbFile), { recursive: true });
  let tenant: TenantProcess | undefined;
  let bot: BotProcess | undefined;
  let connector: FakeConnector | undefined;
  let deadline = Infinity;
  const left = () => deadline - performance.now();
  try {
    process.stdout.write(`\n— ${size} incidents —\n`);
    tenant = await startTenantProcess(size);
    const tenantUrl = tenant.url;
    const tenantPid = tenant.child.pid;
    line(`seed ${size} incidents (tenant process start)`, `${(tenant.seedMs / 1000).toFixed(1)} s, tenant RSS ${mb(rssOf(tenantPid) ?? NaN)} MB`);
    set('seed_s', round(tenant.seedMs / 1000, 1));
    // The budget starts once the tenant is seeded; a poll still running when it ends is abandoned.
    deadline = performance.now() + budgetMs;
    const graph = new GraphRequestCounter(tenantUrl);
    connector = await startFakeConnector();
    const watch = new CardWatch(connector);

    bot = await startBotProcess({ PORT: '0', DB_FILE: dbFile, GRAPH_BASE_URL: tenant.graphBaseUrl, PLAYGROUND: '0', LOG_LEVEL: 'error', SUMMARY_SCHEDULE: 'off', BENCH_TENANT_URL: tenantUrl });
    const botPid = bot.child.pid;
    line('bot process start', `${bot.startMs.toFixed(0)} ms, RSS ${mb(bot.rssAtStart)} MB`);

    /** One poll now, within the budget: past it, what it cost so far is printed and the size ends. */
    const windows: { start: number; end: number }[] = [];
    const poll = async (what: string): Promise<PollCost> => {
      const botCpu = cpuMsOf(botPid);
      const tenantCpu = cpuMsOf(tenantPid);
      const start = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new OutOfTime(what)), Math.max(0, left()));
      });
      try {
        const cost = await Promise.race([bot!.call<PollCost>('poll'), timeout]);
        windows.push({ start, end: Date.now() });
        return cost;
      } catch (err) {
        if (!(err instanceof OutOfTime)) throw err;
        const sofar = await graph.take();
        line(`${what}: did not finish within the budget`, `${((Date.now() - start) / 1000).toFixed(0)} s so far, ${sofar.count} Graph requests (${describePaths(sofar.byPath)}), bot CPU ${(((cpuMsOf(botPid) ?? NaN) - (botCpu ?? NaN)) / 1000).toFixed(1)} s, tenant CPU ${(((cpuMsOf(tenantPid) ?? NaN) - (tenantCpu ?? NaN)) / 1000).toFixed(1)} s, bot RSS ${mb(rssOf(botPid) ?? NaN)} MB`);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    };

    // Install in 3 channels first. An install starts a poll at once; Graph is closed to the bot
    // meanwhile (every permission denied: 403, not retried), so those polls fail before reading
    // anything and the measured poll below is the bot's first with all three channels known.
    await must('POST', `${tenantUrl}/_admin/permissions`, { deny: [...GRAPH_PERMISSIONS] });
    for (const conversationId of CHANNELS) {
      const res = await postActivity(bot.messagesUrl, installation(connector.serviceUrl, conversationId));
      if (res.status >= 300) throw new Error(`installing in ${conversationId} answered ${res.status}`);
    }
    await bot.call('idle');
    await must('POST', `${tenantUrl}/_admin/permissions`, { deny: [] });
    await graph.take();

    // First poll.
    const sentBefore = connector.calls.length;
    const tenantCpuBeforeFirst = cpuMsOf(tenantPid);
    const first = await poll('first poll');
    const firstTenantCpu = tenantCpuBeforeFirst === null ? null : (cpuMsOf(tenantPid) ?? NaN) - tenantCpuBeforeFirst;
    const firstGraph = await graph.take();
    const firstStore = storeBytes(dbFile);
    const firstResult = first.result as { newIncidents: number; posted: number; failed: number };
    line('first poll (3 channels installed)', `${first.ms.toFixed(0)} ms, ${firstGraph.count} Graph requests; ${firstResult.newIncidents} incidents, ${firstResult.posted} posted (${connector.calls.length - sentBefore} messages), ${firstResult.failed} failed`);
    line('  its Graph requests', describePaths(firstGraph.byPath));
    line('  CPU time during it', `bot process ${first.cpuMs.toFixed(0)} ms; tenant process ${firstTenantCpu === null ? 'n/a' : `${firstTenantCpu.toFixed(0)} ms`}`);
    line('  bot RSS after it', `${mb(first.rss)} MB (${mb(bot.rssAtStart)} MB at start; heap ${mb(first.heapUsed)} MB)`);
    line('  store on disk after it', `${firstStore.bytes} bytes in ${firstStore.files} file${firstStore.files === 1 ? '' : 's'} (DB_FILE's directory)`);
    set('first_poll_requests', firstGraph.count);
    set('first_poll_ms', round(first.ms));
    set('first_poll_cpu_ms', round(first.cpuMs));
    set('first_poll_tenant_cpu_ms', firstTenantCpu === null ? null : round(firstTenantCpu));
    set('rss_mb', mb(first.rss));
    set('store_file_bytes', firstStore.bytes);

    // Idle poll.
    const idle = await poll('idle poll');
    const idleGraph = await graph.take();
    line('idle poll (nothing changed)', `${idle.ms.toFixed(0)} ms, ${idleGraph.count} Graph request${idleGraph.count === 1 ? '' : 's'}, bot CPU ${idle.cpuMs.toFixed(0)} ms`);
    set('idle_poll_requests', idleGraph.count);
    set('idle_poll_ms', round(idle.ms));

    // Store writes, seen from outside: `subscribe` (its reply, one audit entry and one change of the
    // conversation's subscription: two store writes) against `subscriptions` (its reply and one
    // audit entry: one write). Latency: HTTP round trip of POST /api/messages. Bytes: what the bot
    // process handed to write(2) (/proc/<pid>/io wchar: files and sockets alike); the difference
    // between the two commands is what one more store write costs. At most a minute each.
    const writeChannel = CHANNELS[2]!;
    const say = async (text: string) => {
      const res = await postActivity(bot!.messagesUrl, message(connector!.serviceUrl, writeChannel, text, ALEX));
      if (res.status >= 300) throw new Error(`"${text}" answered ${res.status}`);
    };
    const run = async (texts: (i: number) => string) => {
      const wcharBefore = bytesWrittenBy(botPid);
      const times: number[] = [];
      const until = performance.now() + Math.min(60_000, left() / 4);
      for (let i = 0; i < WRITES && (i === 0 || performance.now() < until); i++) {
        const start = performance.now();
        await say(texts(i));
        times.push(performance.now() - start);
      }
      const wchar = bytesWrittenBy(botPid);
      return { times, bytes: wcharBefore === null || wchar === null ? null : (wchar - wcharBefore) / times.length };
    };
    const reads = await run(() => 'subscriptions');
    const writes = await run((i) => (i % 2 === 0 ? 'subscribe severity>=high' : 'subscribe severity>=medium'));
    if (writes.times.length % 2 === 1) await say('subscribe severity>=medium'); // what the channel wants by default
    const perWrite = reads.bytes === null || writes.bytes === null ? null : writes.bytes - reads.bytes;
    const storeNow = storeBytes(dbFile);
    line(`${writes.times.length}× "subscribe" (2 store writes each)`, `HTTP round trip of POST /api/messages p50 ${percentile(writes.times, 50).toFixed(1)} ms, p95 ${percentile(writes.times, 95).toFixed(1)} ms; the bot wrote ${writes.bytes === null ? 'n/a' : `${Math.round(writes.bytes)} bytes`} each`);
    line(`${reads.times.length}× "subscriptions" (1 store write: the audit)`, `p50 ${percentile(reads.times, 50).toFixed(1)} ms, p95 ${percentile(reads.times, 95).toFixed(1)} ms; the bot wrote ${reads.bytes === null ? 'n/a' : `${Math.round(reads.bytes)} bytes`} each`);
    line('  one more store write costs', `${perWrite === null ? 'n/a' : `${Math.round(perWrite)} bytes written`} (the difference; store on disk: ${storeNow.bytes} bytes)`);
    set('store_write_p95_ms', round(percentile(writes.times, 95), 1));
    set('store_bytes_per_write', perWrite === null ? null : Math.round(perWrite));

    // Incident to card: 20 new High incidents, one every 250 ms, a poll every second. Shown in a
    // channel = its own card, or a digest (more than DIGEST_THRESHOLD new at once) from the first
    // poll that started after it was created (a digest names only the newest few).
    watch.scan();
    const created: { id: string; at: number; confirmedAt: number }[] = [];
    let polling = true;
    let pollError: unknown = null;
    const pollLoop = (async () => {
      while (polling) {
        const start = Date.now();
        try {
          await poll('a poll of the incident-to-card phase');
        } catch (err) {
          pollError = err;
          return;
        }
        await sleep(Math.max(0, 1000 - (Date.now() - start)));
      }
    })();
    for (let i = 0; i < NEW_INCIDENTS && !pollError; i++) {
      const at = Date.now();
      const { incidentId } = await must<{ incidentId: string }>('POST', `${tenantUrl}/_admin/incidents`, newIncident(i, 'high'));
      created.push({ id: incidentId, at, confirmedAt: Date.now() });
      await sleep(250);
    }
    const shownAt = (c: (typeof created)[number], conversationId: string): number | null => {
      const own = watch.firstSent.get(c.id)?.get(conversationId)?.at ?? null;
      const window = windows.find((w) => w.start >= c.confirmedAt);
      const digest = window ? watch.digests.find((d) => d.conversationId === conversationId && d.at >= window.start && d.at <= window.end)?.at ?? null : null;
      return own === null ? digest : digest === null ? own : Math.min(own, digest);
    };
    const reachedAll = () => created.every((c) => CHANNELS.every((ch) => shownAt(c, ch) !== null));
    const phaseEnd = Math.min(performance.now() + CARD_TIMEOUT_MS, deadline);
    while (!pollError && !(created.length === NEW_INCIDENTS && reachedAll()) && performance.now() < phaseEnd) {
      await sleep(100);
      watch.scan();
    }
    polling = false;
    await pollLoop;
    watch.scan();
    if (pollError) throw pollError;
    const toAll: number[] = [];
    const toFirst: number[] = [];
    let inDigest = 0;
    for (const c of created) {
      const shown = CHANNELS.map((ch) => shownAt(c, ch)).filter((t): t is number => t !== null);
      if (shown.length === CHANNELS.length) toAll.push((Math.max(...shown) - c.at) / 1000);
      if (shown.length > 0) toFirst.push((Math.min(...shown) - c.at) / 1000);
      if (CHANNELS.some((ch) => !watch.firstSent.get(c.id)?.get(ch))) inDigest++;
    }
    const missing = NEW_INCIDENTS - toAll.length;
    line('incident → shown in all 3 channels (poll every 1 s)', `p50 ${percentile(toAll, 50).toFixed(2)} s, p95 ${percentile(toAll, 95).toFixed(2)} s, max ${Math.max(...toAll).toFixed(2)} s; ${inDigest} of ${created.length} only in a digest somewhere${missing ? `; ${missing} of ${NEW_INCIDENTS} not shown everywhere in time` : ''}`);
    line('  … in the first channel to show it', `p50 ${percentile(toFirst, 50).toFixed(2)} s, p95 ${percentile(toFirst, 95).toFixed(2)} s (${windows.length} polls so far)`);
    set('incident_to_card_p95_s', missing ? null : round(percentile(toAll, 95), 2));

    // Card actions: Start investigation on each new incident's own card (a real Defender write), then Refresh; at most a minute.
    const clickChannel = CHANNELS[0]!;
    const cards = created.map((c) => ({ id: c.id, activityId: watch.firstSent.get(c.id)?.get(clickChannel)?.activityId })).filter((c) => c.activityId);
    if (cards.length > 0) {
      const times: Record<string, number[]> = { startInvestigation: [], refreshIncident: [] };
      /** The same, less the time the tenant took to answer the click's Graph requests (the goal leaves Graph out). */
      const own: number[] = [];
      const withGraph: number[] = [];
      const until = performance.now() + Math.min(60_000, left() / 3);
      await graph.take();
      for (let i = 0; i < INVOKES && (i === 0 || performance.now() < until); i++) {
        const verb = i < cards.length ? 'startInvestigation' : 'refreshIncident';
        const card = cards[i % cards.length]!;
        const start = performance.now();
        const res = await postActivity(bot.messagesUrl, cardAction(connector.serviceUrl, clickChannel, verb, { incidentId: card.id }, card.activityId));
        const ms = performance.now() - start;
        if (res.status !== 200) throw new Error(`${verb} on incident ${card.id} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        const graphMs = (await graph.take()).ms;
        times[verb]!.push(ms - graphMs);
        own.push(ms - graphMs);
        withGraph.push(ms);
      }
      line(
        `${own.length} card actions (adaptiveCard/action invokes)`,
        `HTTP round trip less Graph's answer time p50 ${percentile(own, 50).toFixed(0)} ms, p95 ${percentile(own, 95).toFixed(0)} ms (Start investigation ×${times.startInvestigation!.length}: p95 ${percentile(times.startInvestigation!, 95).toFixed(0)} ms; Refresh ×${times.refreshIncident!.length}: p95 ${percentile(times.refreshIncident!, 95).toFixed(0)} ms); with Graph p95 ${percentile(withGraph, 95).toFixed(0)} ms`,
      );
      set('invoke_p95_ms_50', own.length === INVOKES ? round(percentile(own, 95)) : null);
      set('invoke_with_graph_p95_ms_50', own.length === INVOKES ? round(percentile(withGraph, 95)) : null);
      // The clicks' redraws (paced as Teams asks) finish before the portal's changes are measured.
      await bot.call('idle');
    } else {
      line('card actions', 'not measured: no incident card of its own reached the first channel');
    }

    // What the clicks changed in Defender is read by one poll first, so the changed poll sees only the portal's changes.
    await poll('the poll after the clicks');
    await graph.take();

    // 1% of the incidents (at most 1000) changed in the portal, and 20 new incidents.
    const toChange = Math.min(1000, Math.max(1, Math.round(size / 100)));
    const chosen = await irmAlertsToChange(tenant.graphBaseUrl, size, toChange);
    const changeStart = performance.now();
    await inParallel(chosen, 16, (a) => must('PATCH', `${tenantUrl}/_admin/alerts/${encodeURIComponent(a.alertId)}`, { status: 'inProgress', by: DEFAULT_PORTAL_USER }));
    for (let i = 0; i < NEW_INCIDENTS; i++) await must('POST', `${tenantUrl}/_admin/incidents`, newIncident(i, ['high', 'medium', 'low'][i % 3]!));
    line(`portal: ${chosen.length} incidents changed, ${NEW_INCIDENTS} created`, `${(performance.now() - changeStart).toFixed(0)} ms (admin paths)`);
    await graph.take();
    const tenantCpuBefore = cpuMsOf(tenantPid);
    const changed = await poll('changed poll');
    const tenantCpu = tenantCpuBefore === null ? null : (cpuMsOf(tenantPid) ?? NaN) - tenantCpuBefore;
    const changedGraph = await graph.take();
    const changedResult = changed.result as { newIncidents: number; updatedIncidents: number; posted: number };
    line('changed poll', `${changed.ms.toFixed(0)} ms, ${changedGraph.count} Graph requests; ${changedResult.newIncidents} new, ${changedResult.updatedIncidents} updated, ${changedResult.posted} posted`);
    line('  its Graph requests', describePaths(changedGraph.byPath));
    line('  CPU time during it', `bot process ${changed.cpuMs.toFixed(0)} ms; tenant process ${tenantCpu === null ? 'n/a' : `${tenantCpu.toFixed(0)} ms`}`);
    set('changed_poll_requests', changedGraph.count);
    set('changed_poll_ms', round(changed.ms));
    set('changed_poll_cpu_ms', round(changed.cpuMs));
    set('changed_poll_tenant_cpu_ms', tenantCpu === null ? null : round(tenantCpu));
  } catch (err) {
    if (!(err instanceof OutOfTime)) throw err;
    line(`  out of time (BENCH_BUDGET_S=${budgetMs / 1000})`, 'the figures not measured are null');
  } finally {
    // A bot abandoned mid-poll is not asked to finish: it is stopped.
    if (bot && left() > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([bot.call('close').catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)))]);
      clearTimeout(timer);
    }
    await stopChild(bot?.child);
    await stopChild(tenant?.child);
    await connector?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const key of SIZE_KEYS) f[`${key}_${size}`] ??= null;
  return f;
}

/** Every size in turn (each with its own tenant, bot and store); one figure map for all. */
export async function runScale(sizes: readonly number[]): Promise<Figures> {
  const figures: Figures = {};
  const smallest = Math.min(...sizes);
  for (const size of sizes) {
    const start = performance.now();
    Object.assign(figures, await measureSize(size, BUDGET_MS));
    line(`  (${size} incidents measured in)`, `${((performance.now() - start) / 1000).toFixed(0)} s`);
    if (size === smallest) figures.invoke_p95_ms_50 = figures[`invoke_p95_ms_50_${size}`] ?? null;
  }
  // Replicas sharing Azure Blob Storage (bench/replicas.ts).
  const { measureReplicas } = await import('./replicas.js');
  Object.assign(figures, await measureReplicas());
  return figures;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const figures = await runScale(parseSizes(process.env.BENCH_SIZES));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
