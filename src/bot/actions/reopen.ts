import { z } from 'zod';
import { decideWithinBudget, defineAction, incidentIdSchema } from './action.js';

/**
 * "Reopen" on a resolved card: Defender's incident active again, its IRM alerts New (IRM: Needs
 * review). The card sends no version: reopening acts only on a resolved incident, whoever
 * resolved it, and an incident already reopened is refused in words.
 */
export const reopen = defineAction({
  verb: 'reopen',
  capability: 'act',
  inTab: true,
  what: 'reopen an incident',
  data: z.object({ incidentId: incidentIdSchema }),
  audit: ({ incidentId }) => ({ target: incidentId }),
  async handle({ incidentId }, context) {
    return decideWithinBudget(context, incidentId, () => context.services.triage.reopen(incidentId, context.actor));
  },
});
