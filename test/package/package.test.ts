import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { COMMANDS } from '../../src/bot/commands/index.js';
import { ConfigError } from '../../src/errors.js';
import { buildPackage, PackageValidationError } from '../../src/package/build.js';
import { MAX_COMMAND_DESCRIPTION, MAX_COMMANDS_PER_LIST, manifestCommands, shortDescription } from '../../src/package/commands.js';
import { DEMO_APP_ID, loadPackageConfig, type PackageConfig } from '../../src/package/config.js';
import { colorIcon, outlineIcon } from '../../src/package/icons.js';
import { decodePng, encodePng, readPngHeader } from '../../src/package/png.js';
import { validatePackage } from '../../src/package/validate.js';
import { QUEUE_TAB_ENTITY_ID } from '../../src/tab/links.js';

const manifestDir = fileURLToPath(new URL('../../manifest/', import.meta.url));
const config: PackageConfig = {
  teamsAppId: '3f1c2b6a-8d4e-4f0a-9b7c-1e2d3c4b5a69',
  botId: '8c1f8f3e-5a52-4c7e-9d0f-2b0d6a9c1e42',
  hostname: 'irm-bot.contoso.com',
  ssoAppId: '8c1f8f3e-5a52-4c7e-9d0f-2b0d6a9c1e42',
  demo: false,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'irm-package-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const build = (overrides: { manifestDir?: string } = {}) =>
  buildPackage({ config, manifestDir: overrides.manifestDir ?? manifestDir, outFile: join(dir, 'out', 'irm-triage-bot.zip'), commands: COMMANDS, appVersion: '0.1.0' });

/** A copy of manifest/ to spoil. */
async function manifestCopy(name: string): Promise<string> {
  const copy = join(dir, name);
  await cp(manifestDir, copy, { recursive: true });
  return copy;
}

describe('the Teams app package', () => {
  it('zips a manifest that passes the bundled schema and the Teams rules, with the icons at their sizes', async () => {
    const { outFile } = await build();
    const files = unzipSync(new Uint8Array(await readFile(outFile)));
    expect(Object.keys(files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    expect(validatePackage(files)).toEqual([]);

    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    expect(manifest.manifestVersion).toBe('1.24');
    expect(manifest.id).toBe(config.teamsAppId);
    expect(manifest.bots[0].botId).toBe(config.botId);
    expect(manifest.bots[0].scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(manifest.validDomains).toEqual(['irm-bot.contoso.com']);
    expect(manifest.webApplicationInfo).toEqual({ id: config.ssoAppId, resource: `api://irm-bot.contoso.com/${config.ssoAppId}` });
    // The personal tab is served by the bot on the same host the SSO resource names; the welcome card's deep link names its entity id.
    const queue = manifest.staticTabs.find((t: { entityId: string }) => t.entityId === QUEUE_TAB_ENTITY_ID);
    expect(queue).toMatchObject({ name: 'Insider risk queue', contentUrl: 'https://irm-bot.contoso.com/tab/index.html', scopes: ['personal'] });
    expect(JSON.stringify(manifest)).not.toMatch(/\{\{/);

    const personal = manifest.bots[0].commandLists[0];
    expect(personal.scopes).toEqual(['personal']);
    expect(personal.commands.map((c: { title: string }) => c.title).sort()).toEqual(COMMANDS.map((c) => c.name).slice(0, MAX_COMMANDS_PER_LIST).sort());

    expect(readPngHeader(files['color.png'] ?? new Uint8Array())).toMatchObject({ width: 192, height: 192 });
    const outline = decodePng(files['outline.png'] ?? new Uint8Array());
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let visible = 0;
    for (let i = 0; i < outline.pixels.length; i += 4) {
      const [r, g, b, a] = outline.pixels.subarray(i, i + 4);
      if (a === 0) continue;
      visible++;
      expect([r, g, b]).toEqual([255, 255, 255]);
    }
    expect(visible).toBeGreaterThan(100);
    expect(outline.pixels.some((_, i) => i % 4 === 3 && outline.pixels[i] === 0)).toBe(true);
  });

  it('has the committed icons as icons.ts draws them', async () => {
    expect(new Uint8Array(await readFile(join(manifestDir, 'color.png')))).toEqual(colorIcon());
    expect(new Uint8Array(await readFile(join(manifestDir, 'outline.png')))).toEqual(outlineIcon());
  });

  it('refuses a too-long short name and a 100×100 icon, naming both', async () => {
    const bad = await manifestCopy('bad');
    const template = JSON.parse(await readFile(join(bad, 'manifest.template.json'), 'utf8'));
    template.name.short = 'Insider Risk Management triage bot';
    await writeFile(join(bad, 'manifest.template.json'), JSON.stringify(template));
    await writeFile(join(bad, 'color.png'), encodePng({ width: 100, height: 100, pixels: new Uint8Array(100 * 100 * 4).fill(200) }));

    const error = await build({ manifestDir: bad }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PackageValidationError);
    const problems = (error as PackageValidationError).problems.join('\n');
    expect(problems).toMatch(/name\.short is 34 characters; Teams allows at most 30/);
    expect(problems).toMatch(/icons\.color \(color\.png\) is 100×100; Teams requires 192×192/);
  });

  it('refuses a coloured outline icon, a domain with a scheme, too many commands and a wrong manifest version', async () => {
    const { files } = await build();
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    manifest.manifestVersion = '1.17';
    manifest.validDomains = ['https://irm-bot.contoso.com/app'];
    const list = manifest.bots[0].commandLists[0];
    list.commands = Array.from({ length: 11 }, (_, i) => ({ title: `command-${i}`, description: 'x' }));
    list.commands[0].title = 'a'.repeat(33);
    const red = new Uint8Array(32 * 32 * 4);
    for (let i = 0; i < red.length; i += 4) red.set([255, 0, 0, 255], i);
    const problems = validatePackage({ ...files, 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest)), 'outline.png': encodePng({ width: 32, height: 32, pixels: red }) }).join('\n');
    expect(problems).toMatch(/schema v1\.24: \/manifestVersion/);
    expect(problems).toMatch(/validDomains entry "https:\/\/irm-bot\.contoso\.com\/app" must be a bare domain/);
    expect(problems).toMatch(/has 11 commands; Teams allows at most 10/);
    expect(problems).toMatch(/commands\[0\]\.title is 33 characters; Teams allows at most 32/);
    expect(problems).toMatch(/icons\.outline \(outline\.png\) must be white on transparent; 1024 pixels/);
  });
});

describe('commandLists', () => {
  it('keeps Teams limits and the registry in sync', () => {
    for (const scope of ['personal', 'team'] as const) {
      const commands = manifestCommands(COMMANDS, scope);
      expect(commands.length).toBeLessThanOrEqual(MAX_COMMANDS_PER_LIST);
      for (const c of commands) {
        expect(c.title.length).toBeLessThanOrEqual(32);
        expect(c.description.length).toBeGreaterThan(0);
        expect(c.description.length).toBeLessThanOrEqual(MAX_COMMAND_DESCRIPTION);
      }
    }
    // `user` names a person's risk: only offered in personal chat.
    expect(manifestCommands(COMMANDS, 'team').map((c) => c.title)).not.toContain('user');
  });

  it('picks the 10 most useful commands when the registry has more', () => {
    const extra = [{ name: 'zzz', description: 'Extra.' }, { name: 'yyy', description: 'Extra.' }];
    const commands = manifestCommands([...extra, ...COMMANDS.map((c) => ({ name: c.name, description: c.description }))], 'personal');
    expect(commands.map((c) => c.title)).toEqual(['help', 'incidents', 'incident', 'hunt', 'user', 'subscribe', 'subscriptions', 'oncall', 'summary', 'unsubscribe']);
  });

  it('shortens descriptions deterministically: whole sentences, else cut at a word with an ellipsis', () => {
    expect(shortDescription('Does one thing. Then `another`.')).toBe('Does one thing. Then another.');
    const long = `${'word '.repeat(40)}end.`;
    const short = shortDescription(long);
    expect(short.length).toBeLessThanOrEqual(128);
    expect(short).toMatch(/^word( word)*…$/);
    expect(shortDescription(long)).toBe(short);
  });
});

describe('package configuration', () => {
  it('uses demo values when nothing is set', () => {
    expect(loadPackageConfig({})).toEqual({ teamsAppId: DEMO_APP_ID, botId: DEMO_APP_ID, hostname: 'localhost', ssoAppId: DEMO_APP_ID, demo: true });
  });

  it('defaults the Teams app id and the SSO app id to the bot id', () => {
    expect(loadPackageConfig({ MicrosoftAppId: config.botId, PUBLIC_HOSTNAME: 'IRM-bot.contoso.com' })).toEqual({ teamsAppId: config.botId, botId: config.botId, hostname: 'irm-bot.contoso.com', ssoAppId: config.botId, demo: false });
  });

  it('names each bad variable', () => {
    let error: unknown;
    try {
      loadPackageConfig({ MicrosoftAppId: 'not-a-guid', PUBLIC_HOSTNAME: 'https://irm-bot.contoso.com/', TEAMS_APP_ID: 'nope' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/MicrosoftAppId must be a GUID/);
    expect(message).toMatch(/PUBLIC_HOSTNAME must be a bare host name/);
    expect(message).toMatch(/TEAMS_APP_ID must be a GUID/);
    expect(() => loadPackageConfig({ MicrosoftAppId: config.botId })).toThrow(/PUBLIC_HOSTNAME is required/);
  });
});
