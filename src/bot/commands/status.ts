import type { Command } from './command.js';

/** The setup doctor's checks, in chat: what an analyst needs when cards stop arriving. */
export const statusCommand: Command = {
  name: 'status',
  capability: 'read',
  what: 'see the bot’s set-up checks',
  usage: 'status',
  description: "Checks the bot's set-up: Graph permissions, whether IRM alerts reach Defender, roles, store.",
  async handle(_args, { reply, services }) {
    await reply(await services.status());
  },
};
