import { z } from 'zod';
import { byName } from '../../cards/view-models.js';
import { defineAction, incidentIdSchema } from './action.js';

/** Shows the clicker alone the real name on a shared card; the role check is server-side, and every reveal is audited. */
export const reveal = defineAction({
  verb: 'reveal',
  auditsItself: true,
  capability: 'read',
  what: 'see the name of the person at risk',
  data: z.object({ incidentId: incidentIdSchema }),
  async handle({ incidentId }, { actor, services }) {
    const incident = await services.triage.getIrmIncident(incidentId);
    await services.store.appendAudit({ at: services.now().toISOString(), actor, action: 'reveal', target: incidentId, outcome: 'ok' });
    return services.publisher.card(incident, undefined, byName);
  },
});

/**
 * A card's automatic per-user refresh, which Teams sends for the analysts listed in its
 * `refresh.userIds`: their own view, naming the person. Like every verb it needs the role before
 * anything is read; someone without it keeps the shared card they already have.
 */
export const refreshIncident = defineAction({
  verb: 'refreshIncident',
  auditsItself: true,
  capability: 'read',
  what: 'see an incident',
  data: z.object({ incidentId: incidentIdSchema }),
  async handle({ incidentId }, { actor, services }) {
    const incident = await services.triage.getIrmIncident(incidentId);
    await services.store.appendAudit({ at: services.now().toISOString(), actor, action: 'reveal', target: incidentId, outcome: 'ok', detail: 'per-user view' });
    return services.publisher.card(incident);
  },
});
