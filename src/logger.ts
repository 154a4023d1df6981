/**
 * The one logger: JSON lines on stderr, a level threshold from LOG_LEVEL, and secrets
 * registered at start-up replaced by `***` wherever they appear in a line.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const secrets = new Set<string>();
let threshold: LogLevel = (process.env.LOG_LEVEL as LogLevel | undefined) ?? (process.env.VITEST ? 'warn' : 'info');
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}
/** Redirect output (tests use this to scan what the bot wrote). */
export function setLogSink(next: (line: string) => void): void {
  sink = next;
}
/** Never print this value: it is replaced wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

function describeError(err: unknown): unknown {
  if (err instanceof Error) {
    return { name: err.name, message: err.message, ...('code' in err ? { code: (err as { code: unknown }).code } : {}), cause: err.cause ? describeError(err.cause) : undefined };
  }
  return err;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

export function createLogger(scope: string): Logger {
  const write = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < RANK[threshold]) return;
    const entry: Record<string, unknown> = { t: new Date().toISOString(), level, scope, msg };
    for (const [k, v] of Object.entries(fields ?? {})) entry[k] = k === 'err' ? describeError(v) : v;
    sink(redact(JSON.stringify(entry)));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (sub) => createLogger(`${scope}.${sub}`),
  };
}

export const log = createLogger('irm');
