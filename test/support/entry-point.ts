/**
 * The bot started as `npm start` starts it (`tsx src/index.ts`), in a process group of its own so
 * a test can `kill -9` it; every one started is killed when the test process exits, whatever its
 * hooks did.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface BotProcess {
  proc: ChildProcess;
  /** e.g. http://127.0.0.1:41234/api/messages */
  messagesUrl: string;
  /** Everything it printed so far. */
  output(): string;
}

const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of started) void kill9(proc).catch(() => undefined);
});

export async function startEntryPoint(env: Record<string, string>, what = 'the bot'): Promise<BotProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    env: { ...process.env, PORT: '0', PLAYGROUND: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.add(proc);
  proc.once('exit', () => started.delete(proc));
  let output = '';
  const messagesUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /"msg":"bot listening","port":(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}/api/messages`);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${what} exited (${code}):\n${output}`)));
  });
  return { proc, messagesUrl, output: () => output };
}

/** `kill -9` of the process group; resolves once it has exited (at once if it already has). */
export function kill9(proc: ChildProcess | undefined): Promise<void> {
  if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    return Promise.resolve(); // already gone
  }
  return exited;
}
