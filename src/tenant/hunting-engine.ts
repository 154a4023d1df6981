/**
 * The seam for advanced hunting: `POST /security/runHuntingQuery` hands the query and the tables
 * to a HuntingEngine. Until a KQL engine is plugged in, the tenant answers as Graph does for a
 * query it cannot run: a 400.
 */
import { badRequest } from './graph-error.js';
import { HUNTING_TABLE_NAMES, type HuntingColumnType, type HuntingRow, type HuntingTables } from './hunting-tables.js';

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

export const unavailableHuntingEngine: HuntingEngine = () => {
  throw badRequest(`The advanced hunting engine is not available in the embedded tenant yet (tables held: ${HUNTING_TABLE_NAMES.join(', ')}).`);
};
