import { z } from 'zod';
import { BadInputError } from '../../errors.js';
import { currentCardIfStale, defineAction, incidentIdSchema } from './action.js';

/**
 * "Escalate now": the escalation contact (or the rotation's next member) is @mentioned where the
 * incident's cards are, at once rather than after the reminder delays, and the incident says so
 * in Defender (a comment).
 */
export const escalate = defineAction({
  verb: 'escalate',
  capability: 'act',
  what: 'escalate an incident',
  data: z.object({ incidentId: incidentIdSchema }),
  audit: ({ incidentId }) => ({ target: incidentId }),
  async handle({ incidentId }, context) {
    const { services, actor } = context;
    const contact = await services.oncall.escalationContact();
    if (!contact) throw new BadInputError('Nobody is named to escalate to. Type `oncall escalation @name` (or set up a rotation), then escalate again.');
    return currentCardIfStale(context, async () => {
      const outcome = await services.triage.noteEscalation(incidentId, actor, contact.name ? `${contact.name} (${contact.upn})` : contact.upn);
      const sent = await services.reminders.escalateNow(outcome.incident, actor.name);
      const heard = sent && sent.delivered > 0 ? `${sent.contact} was mentioned where this incident's card is` : `${contact.name ?? contact.upn} could not be mentioned just now; the escalation is on the incident in Defender`;
      return services.cards.card(outcome.incident, `Escalated: ${heard}.`);
    });
  },
});
