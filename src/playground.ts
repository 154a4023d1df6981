/**
 * Runs the Microsoft 365 Agents Playground (`@microsoft/m365agentsplayground`) as a child process
 * (demo mode of `npm start`, and the end-to-end tests): a Teams-like web client plus a mock Bot
 * Connector at `/_connector`.
 *
 * What the Playground does (v0.2.28, checked on this machine):
 * - Process start sends nothing to the bot. Each page load of the web client POSTs
 *   `/_debug/conversation/<id>/installation`, and the Playground then sends the bot an
 *   `installationUpdate` (action `add`) and a `conversationUpdate` (membersAdded: user + bot) for
 *   the personal chat. A reload sends both again.
 * - Personal chat: conversation `{ conversationType: 'personal', id: <random GUID per process, or
 *   `conversationId`>, tenantId: '00000000-0000-0000-0000-0000000000001' }`; user
 *   `{ id: 'user-id-0', aadObjectId: '00000000-0000-0000-0000-0000000000020' }` (Alex Wilber);
 *   bot (recipient) `{ id: '00000000-0000-0000-0000-00000000000011', name: 'Test Bot' }`;
 *   `serviceUrl` = `http://localhost:<port>/_connector`; channelId `msteams`.
 * - It writes its console output to a log file (default `./devTools/m365agentsplayground.log`
 *   under its cwd!) and only `Listening on <port>` to stdout when stdout is not a TTY. We point
 *   the log file into a temporary folder.
 * - It opens a desktop browser unless `TEAMSAPPTESTER_BROWSER=none`.
 * - `-p <port>` silently falls back to a random port when the port is taken, so the real port
 *   is read from `Listening on <port>`; we pass `-p 0` by default (the OS picks a free port, no race).
 * - `--dt` (`--disable-telemetry`) turns off Application Insights telemetry (there is no internet here).
 * - A `.m365agentsplayground.yml` is optional (built-in users/teams otherwise); it is looked up in
 *   the cwd or at `M365_AGENTS_PLAYGROUND_CONFIG_PATH` (option `configFile`).
 * - When the page loads, the Playground waits (up to 15 s) for the bot endpoint to answer any HTTP
 *   request, so start the bot before opening the page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface PlaygroundOptions {
  /** The bot's messaging endpoint, e.g. `http://127.0.0.1:3978/api/messages`. */
  botEndpoint: string;
  /** Port for the web client and mock connector; default 0 = let the OS pick a free one. A busy explicit port is an error. */
  port?: number;
  /** Working folder of the Playground process (a `.m365agentsplayground.yml` there is used). Default: a fresh temp folder. */
  cwd?: string;
  /** Path of a `.m365agentsplayground.yml` to use (sets `M365_AGENTS_PLAYGROUND_CONFIG_PATH`). */
  configFile?: string;
  /** Fixed personal-chat conversation id (`--conversation-id`); default a random GUID per process. */
  conversationId?: string;
  /** How long to wait for the Playground to serve HTTP. Default 30 s. */
  startTimeoutMs?: number;
  /** Extra environment for the Playground process. */
  env?: Record<string, string>;
}

export interface Playground {
  /** Web client, e.g. `http://localhost:41234`. */
  url: string;
  port: number;
  /** stdout/stderr of the process and its log file, for debugging a failed test. */
  output(): string;
  stop(): Promise<void>;
}

const requireHere = createRequire(import.meta.url);

function playgroundCli(): string {
  const pkg = requireHere.resolve('@microsoft/m365agentsplayground/package.json');
  return join(dirname(pkg), 'cli.js');
}

/**
 * A small supervisor process, leader of its own process group: it runs the Playground (stdin
 * from /dev/null) and kills it when our end of its stdin pipe closes, i.e. when the test process
 * dies without calling stop() (SIGKILL, a worker torn down by vitest...). stop() signals the group.
 */
const SUPERVISOR = `
const { spawn } = require('node:child_process');
const [cli, ...args] = process.argv.slice(1);
const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
const killAll = () => {
  try { child.kill('SIGKILL'); } catch {}
  const dir = process.env.PLAYGROUND_SUPERVISOR_TMPDIR;
  if (dir) try { require('node:fs').rmSync(dir, { recursive: true, force: true }); } catch {}
  process.exit(0);
};
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
process.stdin.on('end', killAll);
process.stdin.on('close', killAll);
process.stdin.on('error', killAll);
process.stdin.resume();
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, killAll);
`;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last resort: if the test process exits without calling stop(), do not leave Playgrounds behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const requestedPort = options.port ?? 0;
  const tempDir = mkdtempSync(join(tmpdir(), 'playground-'));
  const cwd = options.cwd ? resolve(options.cwd) : tempDir;
  const logFile = join(tempDir, 'm365agentsplayground.log');
  if (options.configFile && !existsSync(options.configFile)) throw new Error(`Playground config file not found: ${options.configFile}`);

  const args = ['-e', SUPERVISOR, playgroundCli(), '-e', options.botEndpoint, '-c', 'msteams', '--dt', '-p', String(requestedPort)];
  if (options.conversationId) args.push('--conversation-id', options.conversationId);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEAMSAPPTESTER_BROWSER: 'none',
    M365_AGENTS_PLAYGROUND_LOGFILE: logFile,
    PLAYGROUND_SUPERVISOR_TMPDIR: tempDir,
    // The Playground honours HTTP(S)_PROXY for the bot endpoint; never proxy local traffic.
    NO_PROXY: ['localhost', '127.0.0.1', '::1', process.env.NO_PROXY].filter(Boolean).join(','),
    no_proxy: ['localhost', '127.0.0.1', '::1', process.env.no_proxy].filter(Boolean).join(','),
    ...(options.configFile ? { M365_AGENTS_PLAYGROUND_CONFIG_PATH: resolve(options.configFile) } : {}),
    ...options.env,
  };

  // detached: the supervisor leads a new process group, so stop() can signal the whole group.
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  child.stdin!.on('error', () => {}); // EPIPE if the supervisor is already gone
  running.add(child);
  installExitHook();

  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      r();
    }),
  );
  child.once('error', (err) => append(Buffer.from(`spawn error: ${err.message}\n`)));

  const output = () => {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8');
    } catch {
      /* not written yet */
    }
    return `--- playground stdout/stderr ---\n${out}\n--- playground log (${logFile}) ---\n${log}`;
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return exitPromise;
    stopped = true;
    if (!exited) {
      killGroup(child, 'SIGTERM');
      const done = await Promise.race([exitPromise.then(() => true), sleep(5_000).then(() => false)]);
      if (!done) {
        killGroup(child, 'SIGKILL');
        await exitPromise;
      }
    }
    // The child may be gone while a grandchild still holds the group: make sure.
    killGroup(child, 'SIGKILL');
    rmSync(tempDir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + startTimeoutMs;
    let port: number | undefined;
    while (port === undefined) {
      const m = /Listening on (\d+)/.exec(out);
      if (m) port = Number(m[1]);
      else if (exited) throw new Error(`Playground exited (code ${exited.code}, signal ${exited.signal}) before listening.`);
      else if (Date.now() > deadline) throw new Error(`Playground did not print "Listening on <port>" within ${startTimeoutMs} ms.`);
      else await sleep(50);
    }
    if (requestedPort !== 0 && port !== requestedPort) {
      throw new Error(`Playground port ${requestedPort} is in use (the Playground fell back to ${port}); pass another port or omit it.`);
    }
    const url = `http://localhost:${port}`;
    // Poll until the web client is served.
    for (;;) {
      try {
        const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.ok) break;
      } catch {
        /* not yet */
      }
      if (exited) throw new Error(`Playground exited (code ${exited.code}, signal ${exited.signal}) before serving ${url}/.`);
      if (Date.now() > deadline) throw new Error(`Playground did not serve ${url}/ within ${startTimeoutMs} ms.`);
      await sleep(100);
    }
    return { url, port, output, stop };
  } catch (err) {
    const text = output();
    await stop();
    throw new Error(`${(err as Error).message}\n${text}`);
  }
}
