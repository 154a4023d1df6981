import { z } from 'zod';
import { currentCardIfStale, defineAction, incidentIdSchema } from './action.js';

/** "Add note": a comment on the incident in Defender, without changing its status. */
export const addNote = defineAction({
  verb: 'addNote',
  capability: 'act',
  inTab: true,
  what: 'add a note to an incident',
  data: z.object({
    incidentId: incidentIdSchema,
    note: z.string({ message: 'write the note first' }).trim().min(1, 'write the note first').max(1000, 'the note is longer than 1000 characters'),
  }),
  audit: ({ incidentId }) => ({ target: incidentId }),
  async handle({ incidentId, note }, context) {
    return currentCardIfStale(context, async () => {
      const outcome = await context.services.triage.addNote(incidentId, context.actor, note);
      return context.services.cards.card(outcome.incident, outcome.notice ?? 'Your note is saved on the incident in Defender.');
    });
  },
});
