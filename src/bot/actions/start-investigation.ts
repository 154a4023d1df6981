import { z } from 'zod';
import { decideWithinBudget, defineAction, incidentIdSchema } from './action.js';

export const startInvestigation = defineAction({
  verb: 'startInvestigation',
  capability: 'act',
  inTab: true,
  what: 'start an investigation',
  data: z.object({ incidentId: incidentIdSchema, version: z.string().max(64).optional() }),
  audit: ({ incidentId }) => ({ target: incidentId }),
  async handle({ incidentId, version }, context) {
    return decideWithinBudget(context, incidentId, () => context.services.triage.startInvestigation(incidentId, context.actor, version));
  },
});
