import { z } from 'zod';
import { openIncidentListCard } from '../../triage/incident-list.js';
import { conversationOf, defineAction, incidentIdSchema } from './action.js';

/** From the incident list: post the incident's card in this conversation and redraw the list. */
export const openIncident = defineAction({
  verb: 'openIncident',
  capability: 'read',
  what: 'open an incident',
  data: z.object({ incidentId: incidentIdSchema }),
  async handle({ incidentId }, context) {
    const { services } = context;
    const conversation = conversationOf(context, 'Open');
    const incident = await services.triage.getIrmIncident(incidentId);
    await services.publisher.post(incident, conversation);
    return openIncidentListCard(services.client, services.privacy.namerFor(conversation));
  },
});
