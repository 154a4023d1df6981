/**
 * `@irm-bot/defender-tenant`: the embedded stand-in for Microsoft Defender XDR. A local HTTP
 * server speaking the Microsoft Graph security API (v1.0) over seeded data, plus admin paths
 * for demos and tests. It imports nothing of the bot: it plays Microsoft, so it cannot share
 * the bot's mistakes about Graph.
 *
 * This file is the package's only entry point: everything a caller may use is exported here.
 */
export { startTenant, createTenant, MAX_BODY_BYTES, type Tenant, type TenantOptions } from './server.js';
export { TenantState, APP_NAME, DEFAULT_PORTAL_USER, DEFAULT_TENANT_ID, FIRST_INCIDENT_ID, type TenantStateOptions, type IrmView } from './state.js';
export { TenantControl, FAULT_KINDS, GRAPH_PERMISSIONS, type FaultKind, type GraphPermission, type RequestLogEntry } from './control.js';
export { seedTenant, DEFAULT_SEED, DEFAULT_SEED_INCIDENTS, SEED_ANALYST } from './seed.js';
export { SEED_USERS, BYSTANDER_USERS, MANAGER_USERS, TENANT_DOMAIN, hashString, makeUser, type DirectoryUser } from './directory.js';
export { createRandom, type Random } from './prng.js';
export {
  HUNTING_SCHEMAS,
  HUNTING_TABLE_NAMES,
  HUNTING_SOURCE_WORDS,
  LOCATION_TYPE,
  huntingRow,
  type DataSecurityAction,
  type HuntingColumnType,
  type HuntingRow,
  type HuntingSource,
  type HuntingTableName,
  type HuntingTables,
} from './hunting-tables.js';
export type { HuntingEngine, HuntingQueryInput, HuntingQueryResult } from './hunting-engine.js';
export { createKqlHuntingEngine, runKql, type KqlEngineOptions, type KqlQuery, type KqlTable } from './kql/index.js';
export { IRM_STATUSES, irmStatusFor, type IrmStatus } from './irm.js';
export { BUDGETS, QUOTA_WINDOW_MS, type Budget } from './quotas.js';
export { setTenantLogLevel, type TenantLogLevel } from './logger.js';
export { GraphHttpError } from './graph-error.js';
/** Graph's `$filter` grammar as the tenant parses and applies it (its own unit tests reach it here). */
export { compileFilter, parseFilter, type FilterProperty } from './odata-filter.js';
/** Graph's enum members as the tenant serves them (each list cites its Microsoft page in graph-model.ts). */
export { ALERT_STATUSES, CLASSIFICATIONS, DETECTION_SOURCES, DETERMINATIONS, INCIDENT_STATUSES, SERVICE_SOURCES, SEVERITIES } from './graph-model.js';
export type { Json } from './records.js';
