/**
 * The Microsoft 365 Agents Playground (a Teams-like web client with a mock connector), started
 * beside the bot in demo mode. Runs as a child process in its own process group so stopping it
 * leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createLogger } from './logger.js';

const log = createLogger('playground');
const require = createRequire(import.meta.url);

export interface PlaygroundProcess {
  url: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

function cliPath(): string {
  return join(dirname(require.resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
}

export async function startPlayground(options: { botEndpoint: string; port: number; cwd?: string; timeoutMs?: number }): Promise<PlaygroundProcess> {
  const child: ChildProcess = spawn(process.execPath, [cliPath(), '-e', options.botEndpoint, '-c', 'msteams', '-p', String(options.port)], {
    cwd: options.cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, BROWSER: 'none', TEAMSFX_TELEMETRY: 'false' },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://localhost:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
  };
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The Agents Playground exited (${child.exitCode}):\n${output.slice(-2000)}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) {
      log.debug('playground up', { url });
      return { url, port: options.port, output: () => output, stop };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`The Agents Playground did not answer on ${url} within ${options.timeoutMs ?? 60_000} ms:\n${output.slice(-2000)}`);
}
