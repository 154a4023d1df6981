/** The admin paths (not Graph) that demos, tests and outside checks drive the tenant with. */
import { z } from 'zod';
import { CLASSIFICATION, DETERMINATION, allButSentinel, inputEnum } from './graph-model.js';
import { FAULT_KINDS, GRAPH_PERMISSIONS, type TenantControl } from './control.js';
import { badRequest } from './graph-error.js';
import { OTHER_SOURCES } from './records.js';
import type { RequestContext, Route } from './router.js';
import { DEFAULT_PORTAL_USER, type TenantState } from './state.js';
import { parseBody } from './zod-error.js';

const upn = z
  .string()
  .trim()
  .max(256)
  .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'expected a user principal name such as adele.vance@contoso.com');

const newIncidentSchema = z
  .object({
    severity: inputEnum(['high', 'medium', 'low', 'informational'], 'a new incident'),
    title: z.string().trim().min(1).max(300).optional(),
    user: z.object({ upn, displayName: z.string().trim().min(1).max(256).optional() }).strict(),
    irmAlerts: z.number().int().min(1).max(20).default(1),
    otherSources: z.array(z.enum(OTHER_SOURCES)).max(10).default([]),
  })
  .strict();

/**
 * A change an analyst makes in the Defender portal: not bound by *Update alert*'s list, so any
 * determination Defender knows (the type's members) and the statuses an analyst can pick.
 */
const portalChangeSchema = z
  .object({
    status: inputEnum(['new', 'inProgress', 'resolved'], 'the portal'),
    classification: inputEnum(allButSentinel(CLASSIFICATION), 'the portal'),
    determination: inputEnum(allButSentinel(DETERMINATION), 'the portal'),
    assignedTo: z.string().max(256).nullable(),
    by: upn,
  })
  .partial()
  .strict();

const faultsSchema = z
  .object({
    rate: z.number().min(0).max(1),
    kinds: z.array(z.enum(FAULT_KINDS)).min(1),
    paths: z.array(z.string().min(1).max(500)).max(50).optional(),
  })
  .strict();

const permissionsSchema = z.object({ deny: z.array(z.enum(GRAPH_PERMISSIONS)).max(GRAPH_PERMISSIONS.length * 2) }).strict();

const quotasSchema = z.object({ enforce: z.boolean() }).strict();

const resetSchema = z.object({ seedIncidents: z.number().int().min(0).max(100_000).optional() }).strict();

export interface AdminDeps {
  state: TenantState;
  control: TenantControl;
  /** Empty the tenant and seed it again; undefined keeps the start-up count. */
  reset(seedIncidents: number | undefined): void;
}

export function adminRoutes({ state, control, reset }: AdminDeps): Route[] {
  const id = (ctx: RequestContext) => ctx.params.id ?? '';
  return [
    {
      method: 'POST',
      pattern: '/_admin/incidents',
      handler: (ctx) => {
        const input = parseBody(newIncidentSchema, ctx.body, 'Invalid incident');
        const user = state.user(input.user.upn, input.user.displayName);
        const { incident, alerts } = state.createIncident({
          severity: input.severity,
          ...(input.title ? { title: input.title } : {}),
          user,
          irmAlerts: input.irmAlerts,
          otherSources: input.otherSources,
          createdAtMs: state.nowMs(),
        });
        return { status: 201, body: { incidentId: incident.id, alertIds: alerts.map((a) => a.id) } };
      },
    },
    {
      method: 'PATCH',
      pattern: '/_admin/alerts/:id',
      handler: (ctx) => {
        state.getAlert(id(ctx));
        const { by, ...patch } = parseBody(portalChangeSchema, ctx.body, 'Invalid portal change');
        const alert = state.patchAlert(id(ctx), patch, by ?? DEFAULT_PORTAL_USER);
        return { status: 200, body: state.alertView(alert, true) };
      },
    },
    {
      method: 'GET',
      pattern: '/_admin/irm/alerts/:id',
      handler: (ctx) => ({ status: 200, body: state.irmView(id(ctx)) }),
    },
    {
      method: 'POST',
      pattern: '/_admin/faults',
      handler: (ctx) => {
        const { rate, kinds, paths } = parseBody(faultsSchema, ctx.body, 'Invalid fault settings');
        control.setFaults(rate, kinds, paths);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: '/_admin/faults',
      handler: () => {
        control.clearFaults();
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: '/_admin/permissions',
      handler: (ctx) => {
        const { deny } = parseBody(permissionsSchema, ctx.body, 'Invalid permissions');
        control.setDenied(deny);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: '/_admin/quotas',
      handler: (ctx) => {
        const { enforce } = parseBody(quotasSchema, ctx.body, 'Invalid quota settings');
        control.quotas.setEnforced(enforce);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: '/_admin/requests',
      handler: (ctx) => {
        const since = ctx.query.get('since');
        if (since !== null && !/^\d{1,9}$/.test(since)) throw badRequest(`'since' must be a non-negative integer index, not '${since}'.`);
        return { status: 200, body: control.requestsSince(since === null ? 0 : Number(since)) };
      },
    },
    {
      method: 'POST',
      pattern: '/_admin/reset',
      handler: (ctx) => {
        const { seedIncidents } = parseBody(resetSchema, ctx.body ?? {}, 'Invalid reset');
        reset(seedIncidents);
        return { status: 204 };
      },
    },
  ];
}
