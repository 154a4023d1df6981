/**
 * The tenant's own small logger: JSON lines on stderr at or above a level. The level comes from
 * `LOG_LEVEL` (as for the bot), else `warn` under vitest and `info` otherwise;
 * `setTenantLogLevel` changes it at run time.
 */
export type TenantLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<TenantLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const isLevel = (value: string | undefined): value is TenantLogLevel => value !== undefined && value in RANK;
const fromEnv = process.env.LOG_LEVEL;
let threshold: TenantLogLevel = isLevel(fromEnv) ? fromEnv : process.env.VITEST ? 'warn' : 'info';

export function setTenantLogLevel(level: TenantLogLevel): void {
  threshold = level;
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function describeError(err: unknown): unknown {
  return err instanceof Error ? { name: err.name, message: err.message, cause: err.cause === undefined ? undefined : describeError(err.cause) } : err;
}

export function createLogger(scope: string): Logger {
  const write = (level: Exclude<TenantLogLevel, 'silent' | 'debug'>, msg: string, fields: Record<string, unknown> = {}) => {
    if (RANK[level] < RANK[threshold]) return;
    const entry: Record<string, unknown> = { t: new Date().toISOString(), level, scope, msg };
    for (const [key, value] of Object.entries(fields)) entry[key] = key === 'err' ? describeError(value) : value;
    process.stderr.write(JSON.stringify(entry) + '\n');
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
