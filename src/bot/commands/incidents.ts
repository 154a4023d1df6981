import { openIncidentListCard } from '../../triage/incident-list.js';
import type { Command } from './command.js';

export const incidentsCommand: Command = {
  name: 'incidents',
  capability: 'read',
  what: 'list incidents',
  usage: 'incidents',
  description: 'The open Insider Risk Management incidents, newest first, each with a button to open its card.',
  async handle(_args, { reply, services, conversation }) {
    await reply(await openIncidentListCard(services.client, await services.privacy.namerFor(conversation)));
  },
};
