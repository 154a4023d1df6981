/** The canned advanced-hunting queries and the safe way values enter KQL. */
export { HUNTING_QUERIES, SUMMARY_QUERIES, findQuery } from './queries.js';
export type { CannedQuery, PreparedQuery, HuntingTable } from './canned-query.js';
export type { QueryParam, StringParam, DaysParam, CountParam } from './params.js';
export { DATA_SECURITY_ACTIONS } from './params.js';
export { kqlString, kqlInt, kqlTimespanDays, kqlStringList, isoDays } from './literals.js';
