/** Builds the Teams app package: the manifest template filled from configuration, the icons, validated, zipped. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { zipSync } from 'fflate';

import { commandLists, type CommandInfo } from './commands.js';
import type { PackageConfig } from './config.js';
import { COLOR_ICON, OUTLINE_ICON, colorIcon, outlineIcon } from './icons.js';
import { MANIFEST_FILE, validatePackage } from './validate.js';

export const TEMPLATE_FILE = 'manifest.template.json';

/**
 * The package breaks a schema or Teams rule; `problems` names each. The packaging command's own
 * error (`npm run package` prints it and exits 1), never the running bot's, so it is not in src/errors.ts.
 */
export class PackageValidationError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`The Teams app package is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackageValidationError';
    this.problems = problems;
  }
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Replaces `{{NAME}}` placeholders in every string of the template. A string that is only a
 * placeholder takes the value as is (so `"{{COMMAND_LISTS}}"` becomes an array); an unknown name is an error.
 */
export function fillTemplate(template: Json, values: Readonly<Record<string, Json>>): Json {
  const unknown = new Set<string>();
  const fill = (node: Json): Json => {
    if (typeof node === 'string') {
      const whole = /^\{\{(\w+)\}\}$/.exec(node);
      if (whole?.[1] !== undefined && whole[1] in values) return values[whole[1]] ?? null;
      return node.replace(/\{\{(\w+)\}\}/g, (match, name: string) => {
        const value = values[name];
        if (typeof value === 'string' || typeof value === 'number') return String(value);
        unknown.add(name);
        return match;
      });
    }
    if (Array.isArray(node)) return node.map(fill);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]));
    return node;
  };
  const filled = fill(template);
  if (unknown.size > 0) throw new PackageValidationError([...unknown].map((name) => `${TEMPLATE_FILE} uses {{${name}}}, which has no value (known: ${Object.keys(values).join(', ')})`));
  return filled;
}

export interface BuildOptions {
  config: PackageConfig;
  /** The folder with `manifest.template.json` and the icons it names. */
  manifestDir: string;
  /** Where the zip goes. */
  outFile: string;
  /** The chat commands for `commandLists`. */
  commands: readonly CommandInfo[];
  /** `version` in the manifest. */
  appVersion: string;
}

export interface BuiltPackage {
  outFile: string;
  manifest: Json;
  files: Record<string, Uint8Array>;
}

/** Fills, validates and zips; throws PackageValidationError (nothing written) when a schema or Teams rule fails. */
export async function buildPackage({ config, manifestDir, outFile, commands, appVersion }: BuildOptions): Promise<BuiltPackage> {
  const template = JSON.parse(await readFile(join(manifestDir, TEMPLATE_FILE), 'utf8')) as Json;
  const manifest = fillTemplate(template, {
    APP_VERSION: appVersion,
    TEAMS_APP_ID: config.teamsAppId,
    BOT_ID: config.botId,
    PUBLIC_HOSTNAME: config.hostname,
    SSO_APP_ID: config.ssoAppId,
    COMMAND_LISTS: commandLists(commands) as unknown as Json,
  });
  const files: Record<string, Uint8Array> = { [MANIFEST_FILE]: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`) };
  const icons = manifest && typeof manifest === 'object' && !Array.isArray(manifest) ? manifest.icons : undefined;
  if (icons && typeof icons === 'object' && !Array.isArray(icons)) {
    for (const file of Object.values(icons)) {
      if (typeof file !== 'string' || file in files) continue;
      try {
        files[file] = new Uint8Array(await readFile(join(manifestDir, file)));
      } catch {
        // validatePackage names the missing icon.
      }
    }
  }
  const problems = validatePackage(files);
  if (problems.length > 0) throw new PackageValidationError(problems);
  await mkdir(dirname(outFile), { recursive: true });
  // A fixed time stamp makes the zip the same bytes for the same input.
  await writeFile(outFile, zipSync(files, { level: 9, mtime: new Date('2025-01-01T00:00:00Z') }));
  return { outFile, manifest, files };
}

/** Draws the icons into `manifestDir` (they are committed; run after changing icons.ts). */
export async function writeIcons(manifestDir: string): Promise<string[]> {
  const written = [join(manifestDir, COLOR_ICON.file), join(manifestDir, OUTLINE_ICON.file)];
  await writeFile(written[0] ?? '', colorIcon());
  await writeFile(written[1] ?? '', outlineIcon());
  return written;
}
