import { z } from 'zod';
import { byName } from '../../cards/common.js';
import { defineAction, incidentIdSchema } from './action.js';

/** Shows the clicker alone the real name on a shared card; the role check is server-side, and every reveal is audited. */
export const reveal = defineAction({
  verb: 'reveal',
  capability: 'read',
  what: 'see the name of the person at risk',
  data: z.object({ incidentId: incidentIdSchema }),
  audit: ({ incidentId }) => ({ target: incidentId }),
  async handle({ incidentId }, { services }) {
    const incident = await services.triage.getIrmIncident(incidentId);
    return services.cards.card(incident, undefined, byName);
  },
});

/**
 * A card's automatic per-user refresh, which Teams sends for the analysts listed in its
 * `refresh.userIds`: their own view, naming the person. Like every verb it needs the role before
 * anything is read; someone without it keeps the shared card they already have.
 */
export const refreshIncident = defineAction({
  verb: 'refreshIncident',
  capability: 'read',
  what: 'see an incident',
  data: z.object({ incidentId: incidentIdSchema }),
  // Named: recorded as a reveal, as the Reveal button is.
  audit: ({ incidentId }) => ({ action: 'reveal', target: incidentId, detail: 'per-user view' }),
  async handle({ incidentId }, { services }) {
    const incident = await services.triage.getIrmIncident(incidentId);
    return services.cards.card(incident);
  },
});
