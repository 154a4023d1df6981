import { z } from 'zod';
import { byName } from '../../cards/view-models.js';
import { conversationOf, defineAction, incidentIdSchema } from './action.js';

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

/** A card's automatic per-user refresh: the name for those who may see it, the pseudonym otherwise. */
export const refreshIncident = defineAction({
  verb: 'refreshIncident',
  auditsItself: true,
  capability: 'anyone',
  what: 'see an incident',
  data: z.object({ incidentId: incidentIdSchema }),
  async handle({ incidentId }, context) {
    const { actor, services } = context;
    const incident = await services.triage.getIrmIncident(incidentId);
    const named = services.roles.may(actor, 'read');
    if (named) await services.store.appendAudit({ at: services.now().toISOString(), actor, action: 'reveal', target: incidentId, outcome: 'ok', detail: 'per-user view' });
    return named ? services.publisher.card(incident) : services.publisher.cardFor(incident, conversationOf(context, 'A shared card'));
  },
});
