/**
 * `npm run doctor`: checks the setup and prints a report, ✔/✘ per check with the fix under each
 * failure; exits 1 if any check fails. In demo mode without GRAPH_BASE_URL it starts the embedded
 * tenant (on a free port) and checks against it.
 */
import 'dotenv/config';
import { loadConfig, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { setLogLevel } from '../logger.js';
import { startTenant, type Tenant } from '@irm-bot/defender-tenant';
import { formatReport, runDoctor, type Finding } from './doctor.js';

async function main(): Promise<number> {
  // Retries and the like would interleave with the report: only errors go to the log.
  setLogLevel('error');
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const finding: Finding = {
      check: 'Configuration',
      ok: false,
      detail: `The environment (or .env) is not valid: ${err.problems.join('; ')}`,
      fix: 'Correct each variable named above (.env.sample describes them all), then run the doctor again.',
    };
    process.stdout.write(`${formatReport([finding])}\n`);
    return 1;
  }
  let tenant: Tenant | undefined;
  let graphBaseUrl = config.graphBaseUrl;
  if (config.mode === 'demo' && !graphBaseUrl) {
    tenant = await startTenant({
      port: 0,
      host: '127.0.0.1',
      ...(config.seedIncidents !== undefined ? { seedIncidents: config.seedIncidents } : {}),
      irmSyncDelaySeconds: 0,
    });
    graphBaseUrl = tenant.graphBaseUrl;
    process.stdout.write(`Demo mode: checking against the embedded Defender tenant at ${graphBaseUrl}\n\n`);
  }
  try {
    const findings = await runDoctor({ config, ...(graphBaseUrl ? { graphBaseUrl } : {}) });
    process.stdout.write(`${formatReport(findings)}\n`);
    return findings.every((f) => f.ok) ? 0 : 1;
  } finally {
    await tenant?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`The doctor itself failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
