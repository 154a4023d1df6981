import { BadInputError } from '../../errors.js';
import { incidentIdSchema } from '../actions/action.js';
import type { Command } from './command.js';

export const incidentCommand: Command = {
  name: 'incident',
  capability: 'read',
  what: 'open an incident',
  usage: 'incident {id}',
  description: "Posts an incident's card here, with its buttons.",
  async handle(args, { conversation, services }) {
    const parsed = incidentIdSchema.safeParse(args[0]?.replace(/^#/, ''));
    if (!parsed.success) throw new BadInputError('Which incident? Type `incident {id}`, for example `incident 2101` (the number in the Defender portal).');
    const incident = await services.triage.getIrmIncident(parsed.data);
    await services.publisher.post(incident, conversation);
  },
};
