import { z } from 'zod';
import { LISTED_SEVERITIES } from '../../cards/incident-list-view.js';
import { QUEUE_ORDERS } from '../../triage/queue.js';
import { openIncidentListCard } from '../../triage/incident-list.js';
import { conversationOf, defineAction, incidentIdSchema } from './action.js';

/**
 * From the incident list or a digest: post the incident's card in this conversation. The list is
 * redrawn (it may have changed); a digest stays as it is, for the next incident to open from it.
 */
export const openIncident = defineAction({
  verb: 'openIncident',
  capability: 'read',
  what: 'open an incident',
  data: z.object({
    incidentId: incidentIdSchema,
    from: z.enum(['list', 'digest', 'summary']).default('list'),
    // The list's own filters ('' for none), so the list redrawn is the one the analyst asked for.
    severity: z.enum([...LISTED_SEVERITIES, '']).optional(),
    order: z.enum(QUEUE_ORDERS).optional(),
  }),
  async handle({ incidentId, from, severity, order }, context) {
    const { services } = context;
    const conversation = conversationOf(context, 'Open');
    const incident = await services.triage.getIrmIncident(incidentId);
    await services.publisher.post(incident, conversation);
    // From a digest or a summary, which stay as they are: only the card is posted.
    if (from !== 'list') return { message: `Incident ${incidentId}'s card is posted below.` };
    return openIncidentListCard(services.client, await services.privacy.namerFor(conversation), { severity: severity || undefined, order });
  },
});
