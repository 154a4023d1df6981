import { z } from 'zod';
import { huntResultCardData } from '../../cards/hunt-result-view.js';
import { renderCard } from '../../cards/render.js';
import { firstActivityOf, upnAtRisk } from '../../defender/incidents.js';
import { NotFoundError } from '../../errors.js';
import { MAX_DAYS } from '../../hunting/params.js';
import { incidentActivity as incidentActivityQuery } from '../../hunting/queries.js';
import { defineAction, incidentIdSchema } from './action.js';

const DAY_MS = 24 * 60 * 60_000;

/**
 * "Activity and policy" beside the person on an incident card: their file activity since the
 * incident's first activity, with the IRM policy each event matched (the `incident-activity`
 * query; Graph's alert names no policy). The person is looked up from the incident, never taken
 * from the card.
 */
export const incidentActivity = defineAction({
  verb: 'incidentActivity',
  capability: 'hunt',
  inTab: true,
  what: 'see the activity behind an incident',
  data: z.object({ incidentId: incidentIdSchema }),
  audit: ({ incidentId }) => ({ target: incidentId }),
  async handle({ incidentId }, { actor, conversation, services }) {
    const incident = await services.triage.getIrmIncident(incidentId);
    const upn = upnAtRisk(incident);
    if (!upn) throw new NotFoundError(`Incident ${incidentId} does not name the user at risk.`);
    const since = Date.parse(firstActivityOf(incident));
    const days = Math.min(MAX_DAYS, Math.max(1, Math.ceil((services.now().getTime() - since) / DAY_MS) + 1));
    const result = await services.hunting.run(incidentActivityQuery, { user: upn, days: String(days) }, actor.aadObjectId ?? actor.id);
    const card = renderCard('hunt-result', huntResultCardData(result, undefined, undefined, services.links.huntResult(result.id, result.query.name)));
    // It names the person: in the tab, a channel or a group chat it is shown to the clicker alone.
    if (!conversation || conversation.kind !== 'personal') return card;
    await services.publisher.send(conversation, card);
    return services.cards.card(incident);
  },
});
