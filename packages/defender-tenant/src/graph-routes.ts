/**
 * The Graph security API (v1.0) paths the embedded tenant serves, each with the query options and
 * body its page documents (graph-model.ts, query.ts) and the permissions it needs.
 */
import { alertUpdateSchema, commentBodySchema, huntingQueryBodySchema, incidentUpdateSchema } from './graph-model.js';
import type { HuntingEngine } from './hunting-engine.js';
import {
  ALERT_COMMENT,
  ALERT_SPEC,
  GET_ALERT,
  INCIDENT_COMMENT,
  INCIDENT_SPEC,
  RUN_HUNTING_QUERY,
  UPDATE_ALERT,
  UPDATE_INCIDENT,
  checkOptions,
  parseCollectionQuery,
  parseIncidentEntityQuery,
  selectPage,
  type EntitySpec,
  type MethodOptions,
} from './query.js';
import type { CommentRecord, Json } from './records.js';
import type { RequestContext, Reply, Route } from './router.js';
import { APP_NAME, type TenantState } from './state.js';
import { parseBody } from './zod-error.js';

const ALERT_READ = ['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All'] as const;
const ALERT_WRITE = ['SecurityAlert.ReadWrite.All'] as const;
const INCIDENT_READ = ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All'] as const;
const INCIDENT_WRITE = ['SecurityIncident.ReadWrite.All'] as const;
const HUNTING = ['ThreatHunting.Read.All'] as const;

const alertCommentSchema = commentBodySchema('Create comment for alert');
const incidentCommentSchema = commentBodySchema('Create comment for incident');

const context = (ctx: RequestContext, fragment: string) => `${ctx.origin}/v1.0/$metadata#${fragment}`;

function collection<T extends { seq: number; createdDateTime: string }>(
  ctx: RequestContext,
  items: Iterable<T>,
  spec: EntitySpec<T>,
  contextFragment: (expand: Set<string>) => string,
  view: (item: T, expand: Set<string>) => Json,
): Reply {
  const query = parseCollectionQuery(ctx.query, spec, ctx.preferUnknownMembers);
  const page = selectPage(items, query);
  const body: { [key: string]: Json } = { '@odata.context': context(ctx, contextFragment(query.expand)) };
  if (query.count) body['@odata.count'] = page.total;
  body.value = page.items.map((item) => view(item, query.expand));
  if (page.nextSkip !== null) {
    const next = new URLSearchParams(ctx.query);
    for (const key of [...next.keys()]) if (key.toLowerCase() === '$skip') next.delete(key);
    next.set('$skip', String(page.nextSkip));
    body['@odata.nextLink'] = `${ctx.origin}${ctx.path}?${next.toString()}`;
  }
  return { status: 200, body };
}

/** A *Create comment* route: 404 for an unknown target, then the body, then 200 with the whole comment list. */
function commentRoute(
  pattern: string,
  permissions: readonly string[],
  options: MethodOptions,
  schema: typeof alertCommentSchema,
  invalid: string,
  target: { exists(id: string): void; add(id: string, comment: string): CommentRecord[] },
): Route {
  return {
    method: 'POST',
    pattern,
    permissions,
    handler: (ctx) => {
      checkOptions(ctx.query, options);
      const id = ctx.params.id ?? '';
      target.exists(id);
      const { comment } = parseBody(schema, ctx.body, invalid);
      const comments = target.add(id, comment);
      return {
        status: 200,
        body: {
          '@odata.context': context(ctx, 'Collection(microsoft.graph.security.alertComment)'),
          value: comments.map((c) => ({ '@odata.type': '#microsoft.graph.security.alertComment', ...c })),
        },
      };
    },
  };
}

export function graphRoutes(state: TenantState, huntingEngine: HuntingEngine): Route[] {
  const param = (ctx: RequestContext) => ctx.params.id ?? '';
  const alertEntity = (ctx: RequestContext, id: string) => ({
    '@odata.context': context(ctx, 'security/alerts_v2/$entity'),
    ...state.alertView(state.getAlert(id), ctx.preferUnknownMembers),
  });
  const incidentEntity = (ctx: RequestContext, id: string, expand: Set<string>) => ({
    '@odata.context': context(ctx, expand.has('alerts') ? 'security/incidents(alerts())/$entity' : 'security/incidents/$entity'),
    ...state.incidentView(state.getIncident(id), ctx.preferUnknownMembers, expand.has('alerts')),
  });

  return [
    {
      // *List incidents*: DOCS.listIncidents
      method: 'GET',
      pattern: '/v1.0/security/incidents',
      permissions: INCIDENT_READ,
      handler: (ctx) =>
        collection(
          ctx,
          state.incidents.values(),
          INCIDENT_SPEC,
          (expand) => (expand.has('alerts') ? 'security/incidents(alerts())' : 'security/incidents'),
          (incident, expand) => state.incidentView(incident, ctx.preferUnknownMembers, expand.has('alerts')),
        ),
    },
    {
      // *Get incident*: DOCS.getIncident
      method: 'GET',
      pattern: '/v1.0/security/incidents/:id',
      permissions: INCIDENT_READ,
      handler: (ctx) => {
        const { expand } = parseIncidentEntityQuery(ctx.query);
        return { status: 200, body: incidentEntity(ctx, param(ctx), expand) };
      },
    },
    {
      // *Update incident*: DOCS.updateIncident
      method: 'PATCH',
      pattern: '/v1.0/security/incidents/:id',
      permissions: INCIDENT_WRITE,
      handler: (ctx) => {
        checkOptions(ctx.query, UPDATE_INCIDENT);
        const id = param(ctx);
        state.getIncident(id);
        const patch = parseBody(incidentUpdateSchema, ctx.body, 'Invalid incident update');
        state.patchIncident(id, patch, APP_NAME);
        return { status: 200, body: incidentEntity(ctx, id, new Set()) };
      },
    },
    {
      // *List alerts_v2*: DOCS.listAlerts
      method: 'GET',
      pattern: '/v1.0/security/alerts_v2',
      permissions: ALERT_READ,
      handler: (ctx) =>
        collection(
          ctx,
          state.alerts.values(),
          ALERT_SPEC,
          () => 'security/alerts_v2',
          (alert) => state.alertView(alert, ctx.preferUnknownMembers),
        ),
    },
    {
      // *Get alert*: DOCS.getAlert
      method: 'GET',
      pattern: '/v1.0/security/alerts_v2/:id',
      permissions: ALERT_READ,
      handler: (ctx) => {
        checkOptions(ctx.query, GET_ALERT);
        return { status: 200, body: alertEntity(ctx, param(ctx)) };
      },
    },
    {
      // *Update alert*: DOCS.updateAlert
      method: 'PATCH',
      pattern: '/v1.0/security/alerts_v2/:id',
      permissions: ALERT_WRITE,
      handler: (ctx) => {
        checkOptions(ctx.query, UPDATE_ALERT);
        const id = param(ctx);
        state.getAlert(id);
        const patch = parseBody(alertUpdateSchema, ctx.body, 'Invalid alert update');
        state.patchAlert(id, patch, APP_NAME);
        return { status: 200, body: alertEntity(ctx, id) };
      },
    },
    // *Create comment for alert* (DOCS.alertComment) and *for incident* (DOCS.incidentComment):
    // the same body, and both answer 200 with the whole comment list.
    commentRoute('/v1.0/security/alerts_v2/:id/comments', ALERT_WRITE, ALERT_COMMENT, alertCommentSchema, 'Invalid alert comment', {
      exists: (id) => void state.getAlert(id),
      add: (id, comment) => state.addAlertComment(id, comment, APP_NAME),
    }),
    commentRoute('/v1.0/security/incidents/:id/comments', INCIDENT_WRITE, INCIDENT_COMMENT, incidentCommentSchema, 'Invalid incident comment', {
      exists: (id) => void state.getIncident(id),
      add: (id, comment) => state.addIncidentComment(id, comment, APP_NAME),
    }),
    {
      // *runHuntingQuery*: DOCS.runHuntingQuery
      method: 'POST',
      pattern: '/v1.0/security/runHuntingQuery',
      permissions: HUNTING,
      handler: async (ctx) => {
        checkOptions(ctx.query, RUN_HUNTING_QUERY);
        const { Query, Timespan } = parseBody(huntingQueryBodySchema, ctx.body, 'Invalid hunting query');
        const result = await huntingEngine({ query: Query, timespan: Timespan, tables: state.hunting, now: state.now() });
        return {
          status: 200,
          body: { '@odata.context': context(ctx, 'microsoft.graph.security.huntingQueryResults'), schema: result.schema, results: result.results },
        };
      },
    },
  ];
}
