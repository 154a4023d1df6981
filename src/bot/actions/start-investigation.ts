import { z } from 'zod';
import { currentCardIfStale, defineAction, incidentIdSchema } from './action.js';

export const startInvestigation = defineAction({
  verb: 'startInvestigation',
  auditsItself: true,
  capability: 'act',
  inTab: true,
  what: 'start an investigation',
  data: z.object({ incidentId: incidentIdSchema, version: z.string().max(64).optional() }),
  async handle({ incidentId, version }, { actor, services }) {
    return currentCardIfStale(services, async () => {
      const outcome = await services.triage.startInvestigation(incidentId, actor, version);
      return services.publisher.card(outcome.incident, outcome.notice);
    });
  },
});
