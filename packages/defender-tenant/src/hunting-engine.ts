/**
 * The seam for advanced hunting: `POST /security/runHuntingQuery` hands the query and the tables
 * to a HuntingEngine (by default the KQL subset engine in ./kql/).
 */
import { type HuntingColumnType, type HuntingRow, type HuntingTables } from './hunting-tables.js';

export interface HuntingQueryInput {
  query: string;
  /** ISO 8601 duration or interval as sent (`P30D`), if any. */
  timespan: string | undefined;
  tables: HuntingTables;
  now: Date;
}

export interface HuntingQueryResult {
  schema: { name: string; type: HuntingColumnType | string }[];
  results: HuntingRow[];
}

export type HuntingEngine = (input: HuntingQueryInput) => HuntingQueryResult | Promise<HuntingQueryResult>;
