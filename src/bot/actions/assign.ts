import { z } from 'zod';
import { BadInputError } from '../../errors.js';
import { decideWithinBudget, defineAction, incidentIdSchema } from './action.js';

/** "Assign to me" on the card: the clicker takes the incident over (the `assign` command names anyone). */
export const assign = defineAction({
  verb: 'assign',
  capability: 'act',
  inTab: true,
  what: 'assign an incident',
  data: z.object({ incidentId: incidentIdSchema, version: z.string().max(64).optional() }),
  audit: ({ incidentId }) => ({ target: incidentId }),
  async handle({ incidentId, version }, context) {
    const me = context.actor.upn;
    if (!me) throw new BadInputError('Teams did not say who you are (no user principal name), so the incident cannot be assigned to you. Assign it in the Defender portal.');
    return decideWithinBudget(context, incidentId, () => context.services.triage.assign(incidentId, context.actor, me, version));
  },
});
