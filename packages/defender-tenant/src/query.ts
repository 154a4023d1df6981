/**
 * OData query options for the tenant's collections: which are allowed, their values checked
 * (Graph 400s otherwise), and a page cut from the filtered, ordered items with the next link.
 */
import { CLASSIFICATIONS, DETECTION_SOURCES, DETERMINATIONS, SERVICE_SOURCES } from './graph-model.js';
import { badRequest } from './graph-error.js';
import { compileFilter, parseFilter, type FilterProperty } from './odata-filter.js';
import type { AlertRecord, IncidentRecord } from './records.js';
import { ALERT_STATUS_RANK, INCIDENT_STATUS_RANK, SEVERITY_RANK } from './state.js';

type SortKey = string | number | null;

export interface EntitySpec<T extends { seq: number }> {
  /** Graph's type name, for messages. */
  entity: string;
  filterable: readonly FilterProperty<T>[];
  orderable: Readonly<Record<string, (item: T) => SortKey>>;
  defaultTop: number;
  maxTop: number;
  expandable: readonly string[];
}

export interface CollectionQuery<T> {
  predicate: ((item: T) => boolean) | null;
  order: { key: (item: T) => SortKey; descending: boolean }[];
  top: number;
  skip: number;
  count: boolean;
  expand: Set<string>;
}

const ranks = (members: readonly string[]): ReadonlyMap<string, number> => new Map(members.map((m, i) => [m, i]));

/** Ids like "2101" order as numbers, others as text. */
const idKey = (id: string): SortKey => (/^\d{1,15}$/.test(id) ? Number(id) : id);

export const ALERT_SPEC: EntitySpec<AlertRecord> = {
  entity: 'microsoft.graph.security.alert',
  filterable: [
    { name: 'assignedTo', kind: 'string', get: (a) => a.assignedTo },
    { name: 'classification', kind: 'enum', enumType: 'microsoft.graph.security.alertClassification', members: ranks(CLASSIFICATIONS), get: (a) => a.classification },
    { name: 'determination', kind: 'enum', enumType: 'microsoft.graph.security.alertDetermination', members: ranks(DETERMINATIONS), get: (a) => a.determination },
    { name: 'createdDateTime', kind: 'datetime', get: (a) => a.createdDateTime },
    { name: 'lastUpdateDateTime', kind: 'datetime', get: (a) => a.lastUpdateDateTime },
    { name: 'severity', kind: 'enum', enumType: 'microsoft.graph.security.alertSeverity', members: SEVERITY_RANK, get: (a) => a.severity },
    { name: 'serviceSource', kind: 'enum', enumType: 'microsoft.graph.security.serviceSource', members: ranks(SERVICE_SOURCES), get: (a) => a.serviceSource },
    { name: 'detectionSource', kind: 'enum', enumType: 'microsoft.graph.security.detectionSource', members: ranks(DETECTION_SOURCES), get: (a) => a.detectionSource },
    { name: 'status', kind: 'enum', enumType: 'microsoft.graph.security.alertStatus', members: ALERT_STATUS_RANK, get: (a) => a.status },
    { name: 'incidentId', kind: 'string', get: (a) => a.incidentId },
  ],
  orderable: {
    createdDateTime: (a) => a.createdDateTime,
    lastUpdateDateTime: (a) => a.lastUpdateDateTime,
    severity: (a) => SEVERITY_RANK.get(a.severity) ?? 0,
    status: (a) => ALERT_STATUS_RANK.get(a.status) ?? 0,
    id: (a) => idKey(a.id),
  },
  defaultTop: 100,
  maxTop: 2000,
  expandable: [],
};

export const INCIDENT_SPEC: EntitySpec<IncidentRecord> = {
  entity: 'microsoft.graph.security.incident',
  filterable: [
    { name: 'assignedTo', kind: 'string', get: (i) => i.assignedTo },
    { name: 'classification', kind: 'enum', enumType: 'microsoft.graph.security.alertClassification', members: ranks(CLASSIFICATIONS), get: (i) => i.classification },
    { name: 'determination', kind: 'enum', enumType: 'microsoft.graph.security.alertDetermination', members: ranks(DETERMINATIONS), get: (i) => i.determination },
    { name: 'createdDateTime', kind: 'datetime', get: (i) => i.createdDateTime },
    { name: 'lastUpdateDateTime', kind: 'datetime', get: (i) => i.lastUpdateDateTime },
    { name: 'severity', kind: 'enum', enumType: 'microsoft.graph.security.alertSeverity', members: SEVERITY_RANK, get: (i) => i.severity },
    { name: 'status', kind: 'enum', enumType: 'microsoft.graph.security.incidentStatus', members: INCIDENT_STATUS_RANK, get: (i) => i.status },
    { name: 'displayName', kind: 'string', get: (i) => i.displayName },
  ],
  orderable: {
    createdDateTime: (i) => i.createdDateTime,
    lastUpdateDateTime: (i) => i.lastUpdateDateTime,
    severity: (i) => SEVERITY_RANK.get(i.severity) ?? 0,
    status: (i) => INCIDENT_STATUS_RANK.get(i.status) ?? 0,
    id: (i) => idKey(i.id),
  },
  defaultTop: 50,
  maxTop: 50,
  expandable: ['alerts'],
};

const COLLECTION_OPTIONS = new Set(['$filter', '$orderby', '$top', '$skip', '$count', '$expand']);
const ENTITY_OPTIONS = new Set(['$expand']);

function nonNegativeInt(option: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw.trim())) throw badRequest(`Invalid value '${raw}' for query option '${option}': expected a non-negative integer.`);
  return Number(raw.trim());
}

function checkOptions(params: URLSearchParams, allowed: ReadonlySet<string>): void {
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (!key.startsWith('$')) continue;
    const option = key.toLowerCase();
    if (!allowed.has(option)) {
      throw badRequest(`Query option '${key}' is not supported here (supported: ${[...allowed].join(', ')}).`);
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

function parseExpand<T extends { seq: number }>(raw: string | null, spec: EntitySpec<T>): Set<string> {
  const expand = new Set<string>();
  if (raw === null) return expand;
  for (const part of raw.split(',').map((p) => p.trim())) {
    if (!spec.expandable.includes(part)) {
      throw badRequest(`Could not find a navigation property named '${part}' on type '${spec.entity}' that can be expanded.`);
    }
    expand.add(part);
  }
  return expand;
}

export function parseEntityQuery<T extends { seq: number }>(params: URLSearchParams, spec: EntitySpec<T>): { expand: Set<string> } {
  checkOptions(params, ENTITY_OPTIONS);
  return { expand: parseExpand(option(params, '$expand'), spec) };
}

export function parseCollectionQuery<T extends { seq: number }>(params: URLSearchParams, spec: EntitySpec<T>, preferUnknownMembers: boolean): CollectionQuery<T> {
  checkOptions(params, COLLECTION_OPTIONS);
  const filterText = option(params, '$filter');
  const predicate =
    filterText === null ? null : compileFilter(parseFilter(filterText), spec.filterable, { preferUnknownMembers, entity: spec.entity });

  const order: CollectionQuery<T>['order'] = [];
  const orderText = option(params, '$orderby');
  if (orderText !== null) {
    for (const term of orderText.split(',')) {
      const words = term.trim().split(/\s+/);
      const [name, direction, extra] = words;
      const entry = Object.entries(spec.orderable).find(([key]) => key.toLowerCase() === (name ?? '').toLowerCase());
      if (!name || !entry) {
        throw badRequest(`Invalid $orderby: '${term.trim()}' is not a property of '${spec.entity}' that can be ordered by (orderable: ${Object.keys(spec.orderable).join(', ')}).`);
      }
      const dir = (direction ?? 'asc').toLowerCase();
      if ((dir !== 'asc' && dir !== 'desc') || extra !== undefined) throw badRequest(`Invalid $orderby: '${term.trim()}' (use '<property> asc' or '<property> desc').`);
      order.push({ key: entry[1], descending: dir === 'desc' });
    }
  }
  if (order.length === 0) {
    const created = spec.orderable.createdDateTime;
    if (created) order.push({ key: created, descending: true });
  }

  const topText = option(params, '$top');
  const top = topText === null ? spec.defaultTop : nonNegativeInt('$top', topText);
  if (top < 1 || top > spec.maxTop) throw badRequest(`Invalid value '${topText}' for query option '$top': it must be between 1 and ${spec.maxTop}.`);
  const skipText = option(params, '$skip');
  const skip = skipText === null ? 0 : nonNegativeInt('$skip', skipText);
  const countText = option(params, '$count');
  if (countText !== null && !/^(true|false)$/i.test(countText)) throw badRequest(`Invalid value '${countText}' for query option '$count': expected true or false.`);
  return { predicate, order, top, skip, count: countText?.toLowerCase() === 'true', expand: parseExpand(option(params, '$expand'), spec) };
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface Page<T> {
  items: T[];
  total: number;
  /** Where the next page starts, when more remain. */
  nextSkip: number | null;
}

/** Filter (one pass), order (one sort, ties broken by insertion order in the first term's direction), cut the page. */
export function selectPage<T extends { seq: number }>(all: Iterable<T>, query: CollectionQuery<T>): Page<T> {
  const matching: T[] = [];
  for (const item of all) if (!query.predicate || query.predicate(item)) matching.push(item);
  const tieDescending = query.order[0]?.descending ?? false;
  // Keys computed once per item, not once per comparison.
  const keyed = matching.map((item) => ({ item, keys: query.order.map((term) => term.key(item)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < query.order.length; i++) {
      const c = compareKeys(a.keys[i] ?? null, b.keys[i] ?? null);
      if (c !== 0) return query.order[i]!.descending ? -c : c;
    }
    return tieDescending ? b.item.seq - a.item.seq : a.item.seq - b.item.seq;
  });
  const end = query.skip + query.top;
  return { items: keyed.slice(query.skip, end).map((k) => k.item), total: keyed.length, nextSkip: end < keyed.length ? end : null };
}
