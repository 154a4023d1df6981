/**
 * Checks an app package before it is zipped: the manifest against the Teams JSON schema bundled in
 * `@microsoft/app-manifest` (offline), then the rules Teams enforces on upload that the schema
 * leaves out or states more loosely.
 */
import { createRequire } from 'node:module';

import AjvDraft04, { type ValidateFunction } from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { z } from 'zod';

import { MAX_COMMAND_DESCRIPTION, MAX_COMMAND_TITLE, MAX_COMMANDS_PER_LIST } from './commands.js';
import { COLOR_ICON, OUTLINE_ICON } from './icons.js';
import { decodePng, readPngHeader } from './png.js';

export const MANIFEST_VERSION = '1.24';
export const MANIFEST_FILE = 'manifest.json';

const require = createRequire(import.meta.url);
// The schemas are draft-04, hence Ajv's draft-04 build; `strict: false` because they use annotations Ajv's strict mode rejects.
const schema: object = require(`@microsoft/app-manifest/build/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`);

// Both are CommonJS that also set `exports.default`; under NodeNext the default import is the module object.
const Ajv = AjvDraft04.default;
const addFormats = addFormatsModule.default;

let compiled: ValidateFunction | undefined;
function schemaValidator() {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** The parts of the manifest the Teams rules look at; the schema has already checked the rest. */
const manifestShape = z.object({
  name: z.object({ short: z.string(), full: z.string().optional() }),
  description: z.object({ short: z.string(), full: z.string() }),
  icons: z.object({ color: z.string(), outline: z.string() }),
  bots: z.array(z.object({ commandLists: z.array(z.object({ scopes: z.array(z.string()), commands: z.array(z.object({ title: z.string(), description: z.string() })) })).optional() })).optional(),
  validDomains: z.array(z.string()).optional(),
});

function lengthRule(problems: string[], field: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) problems.push(`${field} is ${value.length} characters; Teams allows at most ${max}: "${value}"`);
}

function iconProblems(file: string, bytes: Uint8Array | undefined, field: string, size: number, outline: boolean): string[] {
  if (!bytes) return [`${field} names ${file}, which is not in the package`];
  let header;
  try {
    header = readPngHeader(bytes);
  } catch (error) {
    return [`${field} (${file}) is not a PNG: ${(error as Error).message}`];
  }
  if (header.width !== size || header.height !== size) return [`${field} (${file}) is ${header.width}×${header.height}; Teams requires ${size}×${size}`];
  if (!outline) return [];
  let image;
  try {
    image = decodePng(bytes);
  } catch (error) {
    return [`${field} (${file}) must be a transparent PNG: ${(error as Error).message}`];
  }
  const { pixels } = image;
  let coloured = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] !== 0 && (pixels[i] !== 255 || pixels[i + 1] !== 255 || pixels[i + 2] !== 255)) coloured++;
  }
  return coloured > 0 ? [`${field} (${file}) must be white on transparent; ${coloured} pixels are neither white nor transparent`] : [];
}

/** Every problem with the package's files (manifest.json and the icons it names), each in words; empty when it is fine. */
export function validatePackage(files: Readonly<Record<string, Uint8Array>>): string[] {
  const manifestBytes = files[MANIFEST_FILE];
  if (!manifestBytes) return [`the package has no ${MANIFEST_FILE}`];
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (error) {
    return [`${MANIFEST_FILE} is not JSON: ${(error as Error).message}`];
  }

  const validate = schemaValidator();
  const problems = validate(manifest) ? [] : (validate.errors ?? []).map((e) => `schema v${MANIFEST_VERSION}: ${e.instancePath || '(root)'} ${e.message ?? 'is not valid'}${e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params.allowedValues)})` : ''}`);

  const parsed = manifestShape.safeParse(manifest);
  if (!parsed.success) return [...problems, ...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)];
  const m = parsed.data;

  lengthRule(problems, 'name.short', m.name.short, 30);
  lengthRule(problems, 'name.full', m.name.full, 100);
  lengthRule(problems, 'description.short', m.description.short, 80);
  lengthRule(problems, 'description.full', m.description.full, 4000);
  m.bots?.forEach((bot, b) =>
    bot.commandLists?.forEach((list, l) => {
      const where = `bots[${b}].commandLists[${l}] (${list.scopes.join(', ')})`;
      if (list.commands.length > MAX_COMMANDS_PER_LIST) problems.push(`${where} has ${list.commands.length} commands; Teams allows at most ${MAX_COMMANDS_PER_LIST}`);
      list.commands.forEach((command, c) => {
        lengthRule(problems, `${where}.commands[${c}].title`, command.title, MAX_COMMAND_TITLE);
        lengthRule(problems, `${where}.commands[${c}].description`, command.description, MAX_COMMAND_DESCRIPTION);
      });
    }),
  );
  for (const domain of m.validDomains ?? []) {
    if (/[/:?#\s]/.test(domain)) problems.push(`validDomains entry "${domain}" must be a bare domain: no scheme, port or path`);
  }
  problems.push(...iconProblems(m.icons.color, files[m.icons.color], 'icons.color', COLOR_ICON.size, false));
  problems.push(...iconProblems(m.icons.outline, files[m.icons.outline], 'icons.outline', OUTLINE_ICON.size, true));
  return problems;
}
