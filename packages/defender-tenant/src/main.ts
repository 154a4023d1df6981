/**
 * `npm run tenant`: the embedded Defender tenant alone, for pointing a bot or any Graph client at it.
 * Reads TENANT_PORT (default 3979, 0 = a free port), SEED_INCIDENTS, IRM_SYNC_DELAY (seconds) and
 * TENANT_ENFORCE_QUOTAS (1 = answer 429 past Graph's per-minute budgets, as quotas.ts describes).
 */
import { z } from 'zod';
import { createLogger } from './logger.js';
import { startTenant } from './server.js';
import { describeIssues } from './zod-error.js';

const log = createLogger('tenant');

const integer = (name: string, min: number, max: number, hint: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number (${hint})`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min} (${hint})`).max(max, `${name} must be at most ${max} (${hint})`));

const envSchema = z.object({
  TENANT_PORT: integer('TENANT_PORT', 0, 65535, 'the port to listen on; 0 picks a free one').default(3979),
  SEED_INCIDENTS: integer('SEED_INCIDENTS', 0, 100_000, 'incidents to start with; 0 starts empty').optional(),
  IRM_SYNC_DELAY: integer('IRM_SYNC_DELAY', 0, 86_400, 'seconds before IRM reflects a Defender decision').optional(),
  TENANT_ENFORCE_QUOTAS: z
    .enum(['0', '1', 'false', 'true'], { error: "TENANT_ENFORCE_QUOTAS must be 1 or 0 (1 answers 429 past Graph's per-minute budgets)" })
    .transform((v) => v === '1' || v === 'true')
    .optional(),
});

async function main(): Promise<void> {
  // Empty variables count as unset, as in .env files.
  const raw = Object.fromEntries(['TENANT_PORT', 'SEED_INCIDENTS', 'IRM_SYNC_DELAY', 'TENANT_ENFORCE_QUOTAS'].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`Cannot start the embedded tenant: ${describeIssues(parsed.error)}\n`);
    process.exit(2);
  }
  const env = parsed.data;
  const tenant = await startTenant({
    port: env.TENANT_PORT,
    host: '127.0.0.1',
    ...(env.SEED_INCIDENTS !== undefined ? { seedIncidents: env.SEED_INCIDENTS } : {}),
    irmSyncDelaySeconds: env.IRM_SYNC_DELAY ?? 5,
    enforceQuotas: env.TENANT_ENFORCE_QUOTAS ?? false,
  });
  process.stdout.write(`Embedded Defender tenant: Graph base URL ${tenant.graphBaseUrl}\n`);
  process.stdout.write(`  ${tenant.state.incidents.size} incidents, ${tenant.state.alerts.size} alerts; admin paths under ${tenant.url}/_admin\n`);
  if (tenant.control.quotas.enforced) process.stdout.write(`  Graph's per-minute budgets enforced: 150 alert and incident requests, 45 hunting queries\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping the embedded tenant', { signal });
    tenant.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('embedded tenant did not close cleanly', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  const inUse = err instanceof Error && 'code' in err && err.code === 'EADDRINUSE';
  process.stderr.write(inUse ? `Cannot start the embedded tenant: the port is already in use (set TENANT_PORT to another port, or 0 for a free one).\n` : `Cannot start the embedded tenant: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
