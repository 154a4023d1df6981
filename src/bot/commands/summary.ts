import { renderCard } from '../../cards/render.js';
import type { Command } from './command.js';

export const summaryCommand: Command = {
  name: 'summary',
  capability: 'read',
  what: 'see the shift summary',
  usage: 'summary',
  description: 'The shift summary now: open incidents by age and severity, those left New too long, what was resolved and how.',
  async handle(_args, { reply, services }) {
    await reply(renderCard('summary', await services.summary()));
  },
};
