import { z } from 'zod';
import { defineAction, incidentIdSchema } from './action.js';

export const startInvestigation = defineAction({
  verb: 'startInvestigation',
  capability: 'act',
  what: 'start an investigation',
  data: z.object({ incidentId: incidentIdSchema, version: z.string().max(64).optional() }),
  async handle({ incidentId }, { actor, services }) {
    const incident = await services.triage.startInvestigation(incidentId, actor);
    return services.publisher.card(incident);
  },
});
