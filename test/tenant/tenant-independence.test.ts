/**
 * The embedded tenant plays Microsoft: it must not share the bot's idea of Graph. Every import in
 * packages/defender-tenant stays inside the package (or names a node built-in or a dependency the
 * package declares), and the bot reaches the package only through its public entry, by name.
 *
 * Imports are read with TypeScript's parser: static and type-only imports, re-exports,
 * `import()` (in code and in types), `require()` and `import x = require()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGE_DIR = join(ROOT, 'packages', 'defender-tenant');
const PACKAGE_NAME = '@irm-bot/defender-tenant';
const BOT_DIRS = ['src', 'test', 'bench'].map((d) => join(ROOT, d));

interface PackageJson {
  name: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const packageJson = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as PackageJson;
const BOT_NAME = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson).name;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|cts|js|mjs|cjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !f.split(sep).includes('node_modules'));
}

/** Every module specifier a file names. */
function moduleSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) literal(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) literal(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const ref of source.referencedFiles) found.push(ref.fileName);
  return found;
}

const isInside = (dir: string, path: string) => path === dir || path.startsWith(dir + sep);
const isPathLike = (spec: string) => spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:');
const pathOf = (file: string, spec: string) => (spec.startsWith('file:') ? fileURLToPath(spec) : resolve(dirname(file), spec));
const packageNameOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec);

/** What is wrong with an import in a file of the package, or null. */
function packageImportProblem(file: string, spec: string, declared: ReadonlySet<string>): string | null {
  if (isPathLike(spec)) {
    const target = pathOf(file, spec);
    return isInside(PACKAGE_DIR, target) ? null : `reaches outside the package (${relative(ROOT, target)})`;
  }
  if (isBuiltin(spec)) return null;
  const name = packageNameOf(spec);
  if (name === BOT_NAME) return 'imports the bot';
  if (name === PACKAGE_NAME) return spec === PACKAGE_NAME ? null : 'imports its own files by package name past the public entry';
  return declared.has(name) ? null : `imports '${name}', which the package does not declare`;
}

/** What is wrong with an import in a bot file, or null. */
function botImportProblem(file: string, spec: string): string | null {
  if (isPathLike(spec)) return isInside(PACKAGE_DIR, pathOf(file, spec)) ? `reaches into the package by path; import '${PACKAGE_NAME}'` : null;
  if (spec.startsWith(`${PACKAGE_NAME}/`)) return `goes past the package's public entry; import '${PACKAGE_NAME}'`;
  return null;
}

const declared = new Set([...Object.keys(packageJson.dependencies ?? {}), ...Object.keys(packageJson.devDependencies ?? {})]);

describe('the embedded tenant stands on its own', () => {
  it('exports one entry, its TypeScript public entry', () => {
    expect(packageJson.name).toBe(PACKAGE_NAME);
    expect(packageJson.exports).toEqual({ '.': './src/index.ts' });
  });

  it('imports nothing from outside the package', () => {
    const files = sourceFiles(PACKAGE_DIR);
    expect(files.length).toBeGreaterThan(30);
    const problems = files.flatMap((file) =>
      moduleSpecifiers(file, readFileSync(file, 'utf8')).flatMap((spec) => {
        const problem = packageImportProblem(file, spec, declared);
        return problem ? [`${relative(ROOT, file)}: '${spec}' ${problem}`] : [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('is imported by the bot only through its public entry', () => {
    const files = BOT_DIRS.flatMap(sourceFiles);
    const users = files.filter((file) => moduleSpecifiers(file, readFileSync(file, 'utf8')).includes(PACKAGE_NAME));
    expect(users.map((f) => relative(ROOT, f))).toContain(join('src', 'index.ts'));
    const problems = files.flatMap((file) =>
      moduleSpecifiers(file, readFileSync(file, 'utf8')).flatMap((spec) => {
        const problem = botImportProblem(file, spec);
        return problem ? [`${relative(ROOT, file)}: '${spec}' ${problem}`] : [];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('catches every form of a forbidden import', () => {
    const inPackage = join(PACKAGE_DIR, 'src', 'state.ts');
    const hostile = [
      "import { alertSchema } from '../../../src/defender/model.js';",
      "import type { Alert } from '../../../src/defender/model.js';",
      "export { log } from '../../../src/logger.js';",
      "const m = await import('../../../test/support/stack.js');",
      "type T = typeof import('../../../src/defender/irm-mapping.js');",
      "const r = require('/work/elsewhere/src/config.js');",
      `import x from '${BOT_NAME}';`,
      "import y from 'lodash';",
      `import z from '${PACKAGE_NAME}/src/state.js';`,
    ];
    for (const text of hostile) {
      const specs = moduleSpecifiers(inPackage, text);
      expect(specs, text).toHaveLength(1);
      expect(packageImportProblem(inPackage, specs[0]!, declared), text).not.toBeNull();
    }
    for (const fine of ["import { z } from 'zod';", "import { createServer } from 'node:http';", "import { x } from './router.js';", "import { y } from '../src/kql/index.js';"]) {
      expect(packageImportProblem(inPackage, moduleSpecifiers(inPackage, fine)[0]!, declared), fine).toBeNull();
    }

    const inBot = join(ROOT, 'src', 'index.ts');
    for (const text of [
      `import { startTenant } from '${PACKAGE_NAME}/src/server.js';`,
      "import { startTenant } from '../packages/defender-tenant/src/server.js';",
      "const s = await import('../packages/defender-tenant/src/index.js');",
    ]) {
      expect(botImportProblem(inBot, moduleSpecifiers(inBot, text)[0]!), text).not.toBeNull();
    }
    expect(botImportProblem(inBot, PACKAGE_NAME)).toBeNull();
  });
});
