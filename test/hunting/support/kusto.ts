/**
 * Microsoft's own KQL parser (`@kusto/language-service-next`), loaded once, offline, with the
 * advanced-hunting schema of the embedded tenant's four tables.
 *
 * The package is a Bridge.NET build: it installs `Kusto`, `Bridge` and `System` as globals and
 * exposes .NET-style members (`ChildCount`, `GetChild(i)`, `$ctor7`). Its 1.7 MB of global type
 * declarations would leak into the whole project's type check, so the few members used here are
 * described by the small interfaces below and checked at load time instead.
 */
import { createRequire } from 'node:module';
import { HUNTING_SCHEMAS, HUNTING_TABLE_NAMES } from '@irm-bot/defender-tenant';

export interface SyntaxElement {
  readonly Kind: number;
  readonly IsToken: boolean;
  readonly ChildCount: number;
  GetChild(index: number): SyntaxElement | null;
  /** Tokens only: the token's text and the whitespace/comments before it. */
  readonly Text?: string;
  readonly Trivia?: string;
  /** LiteralExpression only: the decoded value. */
  readonly LiteralValue?: unknown;
}

interface DotNetList<T> {
  readonly Count: number;
  getItem(index: number): T;
}

export interface KustoDiagnostic {
  readonly Code: string | null;
  readonly Severity: string | null;
  readonly Message: string | null;
  readonly Start: number;
  readonly Length: number;
}

interface KustoCodeInstance {
  readonly Syntax: SyntaxElement;
  GetDiagnostics(): DotNetList<KustoDiagnostic>;
}

interface TableSymbolInstance {
  readonly Name: string;
}

interface GlobalStateInstance {
  WithDatabase(database: unknown): GlobalStateInstance;
}

interface KustoLanguage {
  KustoCode: {
    Parse(text: string): KustoCodeInstance;
    ParseAndAnalyze(text: string, globals: GlobalStateInstance): KustoCodeInstance;
  };
  GlobalState: { Default: GlobalStateInstance };
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => TableSymbolInstance };
    DatabaseSymbol: { ctor: new (name: string, members: TableSymbolInstance[]) => unknown };
  };
  Syntax: { SyntaxKind: Record<string, unknown> };
}

function isKustoLanguage(value: unknown): value is KustoLanguage {
  if (typeof value !== 'object' || value === null) return false;
  // Bridge.NET classes are functions with static members.
  const code: unknown = Reflect.get(value, 'KustoCode');
  return typeof code === 'function' && typeof Reflect.get(code, 'ParseAndAnalyze') === 'function';
}

let loaded: { language: KustoLanguage; globals: GlobalStateInstance; kindNames: Map<number, string> } | undefined;

function kusto() {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  require('@kusto/language-service-next/bridge.min.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  const root: unknown = Reflect.get(globalThis, 'Kusto');
  const language: unknown = typeof root === 'object' && root !== null ? Reflect.get(root, 'Language') : undefined;
  if (!isKustoLanguage(language)) throw new Error('@kusto/language-service-next did not install Kusto.Language');

  const tables = HUNTING_TABLE_NAMES.map((table) => {
    const columns = HUNTING_SCHEMAS[table].map((column) => `${column.name}:${column.type}`).join(', ');
    return new language.Symbols.TableSymbol.$ctor7(table, `(${columns})`, null);
  });
  const database = new language.Symbols.DatabaseSymbol.ctor('hunting', tables);
  const globals = language.GlobalState.Default.WithDatabase(database);

  const kindNames = new Map<number, string>();
  for (const [name, value] of Object.entries(language.Syntax.SyntaxKind)) {
    if (typeof value === 'number') kindNames.set(value, name);
  }
  loaded = { language, globals, kindNames };
  return loaded;
}

export function parse(query: string): SyntaxElement {
  return kusto().language.KustoCode.Parse(query).Syntax;
}

function toArray<T>(list: DotNetList<T>): T[] {
  return Array.from({ length: list.Count }, (_, i) => list.getItem(i));
}

/** Syntax errors only (no schema): what the parser alone complains about. */
export function syntaxDiagnostics(query: string): KustoDiagnostic[] {
  return toArray(kusto().language.KustoCode.Parse(query).GetDiagnostics());
}

/** Syntax and semantic diagnostics against the hunting schema: unknown tables or columns, type errors. */
export function diagnostics(query: string): KustoDiagnostic[] {
  const { language, globals } = kusto();
  return toArray(language.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics());
}

export function kindName(kind: number): string {
  return kusto().kindNames.get(kind) ?? `Kind${kind}`;
}

function children(node: SyntaxElement): SyntaxElement[] {
  const result: SyntaxElement[] = [];
  for (let i = 0; i < node.ChildCount; i++) {
    const child = node.GetChild(i);
    if (child) result.push(child);
  }
  return result;
}

const isLiteralToken = (node: SyntaxElement) => node.IsToken && kindName(node.Kind).endsWith('LiteralToken');

/**
 * A canonical string of the tree: every node's kind; every token's kind, its text (except for
 * literals, whose text is the value) and its trivia with whitespace collapsed (so a comment
 * smuggled in shows up). Two queries that differ only in a literal's value have the same shape;
 * a value that escapes its literal changes it.
 */
export function syntaxShape(query: string): string {
  const parts: string[] = [];
  const visit = (node: SyntaxElement): void => {
    const kind = kindName(node.Kind);
    if (node.IsToken) {
      const trivia = (node.Trivia ?? '').replace(/\s+/g, ' ');
      parts.push(isLiteralToken(node) ? `${trivia}<${kind}>` : `${trivia}${kind}:${node.Text ?? ''}`);
      return;
    }
    parts.push(`${kind}(`);
    children(node).forEach(visit);
    parts.push(')');
  };
  visit(parse(query));
  return parts.join(' ');
}

/** The decoded values of the query's string literals, in order. */
export function stringLiterals(query: string): string[] {
  const values: string[] = [];
  const visit = (node: SyntaxElement): void => {
    if (kindName(node.Kind) === 'StringLiteralExpression' && typeof node.LiteralValue === 'string') values.push(node.LiteralValue);
    children(node).forEach(visit);
  };
  visit(parse(query));
  return values;
}

export const isError = (diagnostic: KustoDiagnostic) => diagnostic.Severity === 'Error';
export const describeDiagnostic = (diagnostic: KustoDiagnostic) => `${diagnostic.Code ?? ''} ${diagnostic.Message ?? ''} at ${diagnostic.Start}`;
