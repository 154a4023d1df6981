import { BadInputError } from '../../errors.js';
import { LISTED_SEVERITIES, type ListedSeverity } from '../../cards/incident-list-view.js';
import { openIncidentListCard } from '../../triage/incident-list.js';
import { closest } from '../../util/closest.js';
import { quoted } from '../../util/echo.js';
import type { Command } from './command.js';

/** The one filter `incidents` takes: a severity, as Defender names them (any case). */
function severityOf(args: readonly string[]): ListedSeverity | undefined {
  if (args.length === 0) return undefined;
  const word = args.join(' ').toLowerCase();
  const severity = LISTED_SEVERITIES.find((s) => s === word);
  if (args.length === 1 && severity) return severity;
  const near = closest(word, LISTED_SEVERITIES);
  throw new BadInputError(
    `\`incidents\` lists the open incidents, or those of one severity: ${LISTED_SEVERITIES.map((s) => `\`incidents ${s}\``).join(', ')}. ${quoted(args.join(' ')) ?? 'That'} is not a severity.${near ? ` Did you mean \`incidents ${near}\`?` : ''}`,
  );
}

export const incidentsCommand: Command = {
  name: 'incidents',
  capability: 'read',
  what: 'list incidents',
  usage: 'incidents [high|medium|low|informational]',
  description: 'The open Insider Risk Management incidents, newest first, each with a button to open its card; with a severity, only those.',
  async handle(args, { reply, services, conversation }) {
    const severity = severityOf(args);
    await reply(await openIncidentListCard(services.client, await services.privacy.namerFor(conversation), { severity }));
  },
};
