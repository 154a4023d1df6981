/**
 * `npm run package`: writes dist/irm-triage-bot.zip, the Teams app package, or exits non-zero naming
 * every problem. `npm run package -- --icons` first redraws manifest/color.png and manifest/outline.png.
 */
import 'dotenv/config';

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';

import { COMMANDS } from '../bot/commands/index.js';
import { ConfigError } from '../errors.js';
import { buildPackage, PackageValidationError, writeIcons } from './build.js';
import { DEMO_APP_ID, DEMO_HOSTNAME, loadPackageConfig } from './config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const manifestDir = fileURLToPath(new URL('../../manifest/', import.meta.url));
const outFile = fileURLToPath(new URL('../../dist/irm-triage-bot.zip', import.meta.url));

async function main(): Promise<number> {
  try {
    const config = loadPackageConfig();
    if (process.argv.includes('--icons')) for (const file of await writeIcons(manifestDir)) console.log(`Drew ${relative(root, file)}`);
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const built = await buildPackage({ config, manifestDir, outFile, commands: COMMANDS, appVersion: version });
    console.log(`Wrote the Teams app package to ${relative(process.cwd(), built.outFile) || built.outFile}`);
    if (config.demo) {
      console.log(`Demo values were used (app and bot id ${DEMO_APP_ID}, host ${DEMO_HOSTNAME}): set MicrosoftAppId and PUBLIC_HOSTNAME (optionally TEAMS_APP_ID, AZURE_CLIENT_ID) for a package Teams can install.`);
    }
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PackageValidationError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main();
