import { helpCardData } from '../../cards/help-view.js';
import { renderCard } from '../../cards/render.js';
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
      await reply(renderCard('help', helpCardData(all())));
    },
  };
}
