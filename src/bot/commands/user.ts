import { userSummaryCardData } from '../../cards/user-summary-view.js';
import { renderCard } from '../../cards/render.js';
import { BadInputError } from '../../errors.js';
import { userSummary } from '../../hunting/user-summary.js';
import type { Command } from './command.js';

export const userCommand: Command = {
  name: 'user',
  capability: 'hunt',
  what: "see a user's risk summary",
  usage: 'user {upn}',
  description: "A user's risk summary: who they are (department, title, manager), earlier and open insider-risk incidents, alerts by source, anomalous behaviours.",
  async handle(args, { reply, services, actor, conversation }) {
    // The summary names the person and everything about them: not for a whole channel to read.
    if (conversation.kind !== 'personal') {
      throw new BadInputError("A user's risk summary names them, so I only give it in a personal chat with me, or to you alone from an incident card's User summary button.");
    }
    if (!args[0]) throw new BadInputError('Whose summary? Type `user {upn}`, for example `user adele.vance@contoso.com`.');
    const summary = await userSummary(services, args[0], actor.aadObjectId ?? actor.id);
    await reply(renderCard('user-summary', userSummaryCardData(summary)));
  },
};
