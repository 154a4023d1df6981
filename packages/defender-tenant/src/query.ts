/**
 * OData query options, per endpoint as Microsoft's pages document them: which options each
 * method takes, which properties `$filter` may name, and a page cut from the filtered items,
 * newest first, with the next link. Anything else is Graph's 400.
 *
 *   List alerts_v2   `$count`, `$filter`, `$skip`, `$top`                     DOCS.listAlerts
 *   List incidents   `$count`, `$filter`, `$skip`, `$top`, `$expand`          DOCS.listIncidents
 *   Get incident     `$expand=alerts`                                         DOCS.incident
 *   Get alert, Update alert/incident, Create comment, runHuntingQuery: none.
 *
 * No `$orderby` and no `$select` anywhere: neither list page documents them. Both say "The most
 * recent … are displayed at the top of the list", so a list is newest first (createdDateTime).
 */
import { CLASSIFICATION, DETERMINATION, DOCS, SERVICE_SOURCE, SEVERITY, ALERT_STATUS, INCIDENT_STATUS, type GraphEnum } from './graph-model.js';
import { badRequest } from './graph-error.js';
import { compileFilter, parseFilter, type FilterProperty } from './odata-filter.js';
import type { AlertRecord, IncidentRecord } from './records.js';

export interface EntitySpec<T extends { seq: number }> {
  /** Graph's type name, for messages. */
  entity: string;
  /** The list method's name and page, for messages. */
  method: string;
  page: string;
  options: readonly string[];
  filterable: readonly FilterProperty<T>[];
  defaultTop: number;
  maxTop: number;
  expandable: readonly string[];
}

export interface CollectionQuery<T> {
  predicate: ((item: T) => boolean) | null;
  top: number;
  skip: number;
  count: boolean;
  expand: Set<string>;
}

const enumProperty = <T>(name: string, graph: GraphEnum, get: (item: T) => string | null): FilterProperty<T> => ({
  name,
  kind: 'enum',
  enumType: graph.type,
  members: graph.values,
  evolvable: graph.evolvable,
  get,
});

/**
 * *List alerts_v2*: "The following properties support `$filter`: assignedTo, classification,
 * determination, createdDateTime, lastUpdateDateTime, severity, serviceSource and status."
 *
 * Page sizes are not documented (neither the default nor the largest `$top`): the tenant's 100
 * and 2,000 are its own choice, kept from before.
 */
export const ALERT_SPEC: EntitySpec<AlertRecord> = {
  entity: 'microsoft.graph.security.alert',
  method: 'List alerts_v2',
  page: DOCS.listAlerts,
  options: ['$count', '$filter', '$skip', '$top'],
  filterable: [
    { name: 'assignedTo', kind: 'string', get: (a) => a.assignedTo },
    enumProperty('classification', CLASSIFICATION, (a) => a.classification),
    enumProperty('determination', DETERMINATION, (a) => a.determination),
    { name: 'createdDateTime', kind: 'datetime', get: (a) => a.createdDateTime },
    { name: 'lastUpdateDateTime', kind: 'datetime', get: (a) => a.lastUpdateDateTime },
    enumProperty('severity', SEVERITY, (a) => a.severity),
    enumProperty('serviceSource', SERVICE_SOURCE, (a) => a.serviceSource),
    enumProperty('status', ALERT_STATUS, (a) => a.status),
  ],
  defaultTop: 100,
  maxTop: 2000,
  expandable: [],
};

/**
 * *List incidents*: "The following properties support `$filter`: assignedTo, classification,
 * createdDateTime, determination, lastUpdateDateTime, severity, and status." (no serviceSource).
 * `$expand=alerts` is its Example 2. Page sizes are not documented: 50 and 50 are the tenant's.
 */
export const INCIDENT_SPEC: EntitySpec<IncidentRecord> = {
  entity: 'microsoft.graph.security.incident',
  method: 'List incidents',
  page: DOCS.listIncidents,
  options: ['$count', '$filter', '$skip', '$top', '$expand'],
  filterable: [
    { name: 'assignedTo', kind: 'string', get: (i) => i.assignedTo },
    enumProperty('classification', CLASSIFICATION, (i) => i.classification),
    { name: 'createdDateTime', kind: 'datetime', get: (i) => i.createdDateTime },
    enumProperty('determination', DETERMINATION, (i) => i.determination),
    { name: 'lastUpdateDateTime', kind: 'datetime', get: (i) => i.lastUpdateDateTime },
    enumProperty('severity', SEVERITY, (i) => i.severity),
    enumProperty('status', INCIDENT_STATUS, (i) => i.status),
  ],
  defaultTop: 50,
  maxTop: 50,
  expandable: ['alerts'],
};

/** A method that takes no query option, or only some: its name and page say which. */
export interface MethodOptions {
  method: string;
  options: readonly string[];
}

/**
 * *Get incident* has no query-options section, but "retrieves the properties and relationships",
 * and the incident resource says of `alerts`: "Supports `$expand`." So `$expand=alerts`, nothing else.
 */
export const GET_INCIDENT: MethodOptions = { method: 'Get incident', options: ['$expand'] };
export const GET_ALERT: MethodOptions = { method: 'Get alert', options: [] };
export const UPDATE_ALERT: MethodOptions = { method: 'Update alert', options: [] };
export const UPDATE_INCIDENT: MethodOptions = { method: 'Update incident', options: [] };
export const ALERT_COMMENT: MethodOptions = { method: 'Create comment for alert', options: [] };
export const INCIDENT_COMMENT: MethodOptions = { method: 'Create comment for incident', options: [] };
export const RUN_HUNTING_QUERY: MethodOptions = { method: 'runHuntingQuery', options: [] };

function nonNegativeInt(option: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw.trim())) throw badRequest(`Invalid value '${raw}' for query option '${option}': expected a non-negative integer.`);
  return Number(raw.trim());
}

/**
 * Refuse any system query option (`$…`) the method does not document, and any given twice.
 * Names are compared case-insensitively (`$Filter` is `$filter`). Other query parameters are
 * not OData's and are ignored, as Graph ignores them.
 */
export function checkOptions(params: URLSearchParams, { method, options }: MethodOptions): void {
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (!key.startsWith('$')) continue;
    const option = key.toLowerCase();
    if (!options.includes(option)) {
      throw badRequest(
        options.length === 0
          ? `Query option '${key}' is not supported: ${method} documents no query options.`
          : `Query option '${key}' is not supported: ${method} documents ${options.join(', ')}.`,
      );
    }
    if (seen.has(option)) throw badRequest(`Query option '${key}' was specified more than once.`);
    seen.add(option);
  }
}

/** `$` options by lowercased name, so `$Filter` and `$filter` are the same option. */
function option(params: URLSearchParams, name: string): string | null {
  for (const [key, value] of params) if (key.toLowerCase() === name) return value;
  return null;
}

function parseExpand(raw: string | null, entity: string, expandable: readonly string[]): Set<string> {
  const expand = new Set<string>();
  if (raw === null) return expand;
  for (const part of raw.split(',').map((p) => p.trim())) {
    if (!expandable.includes(part)) {
      throw badRequest(`Could not find a navigation property named '${part}' on type '${entity}' that can be expanded (documented: ${expandable.join(', ') || 'none'}).`);
    }
    expand.add(part);
  }
  return expand;
}

/** Query options of *Get incident*: `$expand=alerts` only. */
export function parseIncidentEntityQuery(params: URLSearchParams): { expand: Set<string> } {
  checkOptions(params, GET_INCIDENT);
  return { expand: parseExpand(option(params, '$expand'), INCIDENT_SPEC.entity, INCIDENT_SPEC.expandable) };
}

export function parseCollectionQuery<T extends { seq: number }>(params: URLSearchParams, spec: EntitySpec<T>, preferUnknownMembers: boolean): CollectionQuery<T> {
  checkOptions(params, spec);
  const filterText = option(params, '$filter');
  const predicate =
    filterText === null ? null : compileFilter(parseFilter(filterText), spec.filterable, { preferUnknownMembers, entity: spec.entity });

  const topText = option(params, '$top');
  const top = topText === null ? spec.defaultTop : nonNegativeInt('$top', topText);
  // The range is the tenant's: Microsoft documents no largest $top for these lists.
  if (top < 1 || top > spec.maxTop) throw badRequest(`Invalid value '${topText}' for query option '$top': it must be between 1 and ${spec.maxTop}.`);
  const skipText = option(params, '$skip');
  const skip = skipText === null ? 0 : nonNegativeInt('$skip', skipText);
  const countText = option(params, '$count');
  if (countText !== null && !/^(true|false)$/i.test(countText)) throw badRequest(`Invalid value '${countText}' for query option '$count': expected true or false.`);
  return { predicate, top, skip, count: countText?.toLowerCase() === 'true', expand: parseExpand(option(params, '$expand'), spec.entity, spec.expandable) };
}

export interface Page<T> {
  items: T[];
  total: number;
  /** Where the next page starts, when more remain. */
  nextSkip: number | null;
}

/** Filter (one pass), newest first (ties: the later created first), cut the page. */
export function selectPage<T extends { seq: number; createdDateTime: string }>(all: Iterable<T>, query: CollectionQuery<T>): Page<T> {
  const matching: T[] = [];
  for (const item of all) if (!query.predicate || query.predicate(item)) matching.push(item);
  matching.sort((a, b) => (a.createdDateTime < b.createdDateTime ? 1 : a.createdDateTime > b.createdDateTime ? -1 : b.seq - a.seq));
  const end = query.skip + query.top;
  return { items: matching.slice(query.skip, end), total: matching.length, nextSkip: end < matching.length ? end : null };
}
