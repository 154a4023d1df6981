import { z } from 'zod';
import { userSummaryCardData } from '../../cards/user-summary-view.js';
import { renderCard } from '../../cards/render.js';
import { NotFoundError } from '../../errors.js';
import { upnAtRisk } from '../../defender/incidents.js';
import { userSummary } from '../../hunting/user-summary.js';
import { defineAction, incidentIdSchema } from './action.js';

/** From an incident card: the user at risk is looked up from the incident, never taken from the card. */
export const userSummaryAction = defineAction({
  verb: 'userSummary',
  capability: 'hunt',
  inTab: true,
  what: "see a user's risk summary",
  data: z.object({ incidentId: incidentIdSchema }),
  async handle({ incidentId }, { actor, conversation, services }) {
    const incident = await services.triage.getIrmIncident(incidentId);
    const upn = upnAtRisk(incident);
    if (!upn) throw new NotFoundError(`Incident ${incidentId} does not name the user at risk.`);
    const summary = await userSummary(services, upn, actor.aadObjectId ?? actor.id);
    const card = renderCard('user-summary', userSummaryCardData(summary));
    // In the tab, a channel or a group chat the summary names the person: show it to the clicker alone.
    if (!conversation || conversation.kind !== 'personal') return card;
    await services.publisher.send(conversation, card);
    return services.cards.card(incident);
  },
});
