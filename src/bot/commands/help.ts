import { trustedMarkdown } from '../../cards/markdown.js';
import { renderCard } from '../../cards/render.js';
import { NOT_IN_DEFENDER } from '../../cards/common.js';
import type { Command } from './command.js';

/** Built from the registry so it always lists every command. */
export function helpCommand(all: () => readonly Command[]): Command {
  return {
    name: 'help',
    capability: 'anyone',
    what: 'see the help',
    usage: 'help',
    description: 'What I can do, and which insider-risk data Defender does not carry.',
    async handle(_args, { reply }) {
      // Usage lines and descriptions are the commands' own markdown (code spans), written here.
      const commands = all().map((c) => ({ usage: trustedMarkdown(c.usage), description: trustedMarkdown(c.description) }));
      await reply(renderCard('help', { commands, notInDefender: NOT_IN_DEFENDER }));
    },
  };
}
