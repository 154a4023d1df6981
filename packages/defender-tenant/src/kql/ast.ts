/** The syntax tree the parser builds. `pos` is the offset in the query text, for error messages. */
import type { KqlType, Value } from './types.js';

export type Expr =
  | { k: 'literal'; type: KqlType; value: Value; pos: number }
  | { k: 'name'; name: string; pos: number }
  /** `*` as an argument: `arg_max(Timestamp, *)`, `count(*)`. */
  | { k: 'star'; pos: number }
  | { k: 'call'; name: string; args: Expr[]; pos: number }
  /** `toscalar(T | …)`. */
  | { k: 'toscalar'; query: Pipeline; pos: number }
  | { k: 'unary'; op: '-' | '+'; operand: Expr; pos: number }
  | { k: 'binary'; op: string; left: Expr; right: Expr; pos: number }
  /** `in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`, `has_any_cs`…: a list of scalars or a tabular subquery. */
  | { k: 'list'; op: string; left: Expr; items: Expr[] | Pipeline; pos: number }
  | { k: 'between'; negated: boolean; left: Expr; low: Expr; high: Expr; pos: number }
  /** `x.Name`, `x["Name"]`, `x[0]`. */
  | { k: 'member'; target: Expr; key: Expr; pos: number };

/** `Name = expr` or `expr`. */
export interface NamedExpr {
  name: string | undefined;
  expr: Expr;
  pos: number;
}

export interface SortKey {
  expr: Expr;
  descending: boolean;
  nullsFirst: boolean;
}

export interface JoinKey {
  left: string;
  right: string;
  pos: number;
}

export type JoinKind = 'inner' | 'innerunique' | 'leftouter' | 'rightouter' | 'fullouter' | 'leftsemi' | 'leftanti' | 'rightsemi' | 'rightanti';

export type Operator =
  | { op: 'where'; predicate: Expr; pos: number }
  | { op: 'project'; items: NamedExpr[]; pos: number }
  | { op: 'project-away'; patterns: { name: string; pos: number }[]; pos: number }
  | { op: 'project-keep'; patterns: { name: string; pos: number }[]; pos: number }
  | { op: 'project-rename'; renames: { to: string; from: string; pos: number }[]; pos: number }
  | { op: 'extend'; items: NamedExpr[]; pos: number }
  | { op: 'summarize'; aggregates: NamedExpr[]; by: NamedExpr[]; pos: number }
  | { op: 'sort'; keys: SortKey[]; pos: number }
  | { op: 'top'; count: Expr; keys: SortKey[]; pos: number }
  | { op: 'take'; count: Expr; pos: number }
  | { op: 'distinct'; columns: Expr[] | '*'; pos: number }
  | { op: 'join'; kind: JoinKind; right: Pipeline; on: JoinKey[]; pos: number }
  | { op: 'count'; pos: number };

export type Source =
  | { k: 'table'; name: string; pos: number }
  | { k: 'pipeline'; query: Pipeline; pos: number }
  | { k: 'datatable'; columns: { name: string; type: KqlType }[]; values: Expr[]; pos: number }
  | { k: 'print'; items: NamedExpr[]; pos: number };

export interface Pipeline {
  source: Source;
  operators: Operator[];
}

export type Statement = { k: 'let'; name: string; value: { k: 'scalar'; expr: Expr } | { k: 'tabular'; query: Pipeline }; pos: number } | { k: 'query'; query: Pipeline; pos: number };

export interface Script {
  statements: Statement[];
}
