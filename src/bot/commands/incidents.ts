import { BadInputError } from '../../errors.js';
import { LISTED_SEVERITIES, type ListedSeverity } from '../../cards/incident-list-view.js';
import { QUEUE_ORDERS, type QueueOrder } from '../../triage/queue.js';
import { openIncidentListCard } from '../../triage/incident-list.js';
import { closest } from '../../util/closest.js';
import { quoted } from '../../util/echo.js';
import type { Command } from './command.js';

const USAGE = `\`incidents\` lists the open incidents, oldest New first as the tab does; it takes a severity (${LISTED_SEVERITIES.map((s) => `\`incidents ${s}\``).join(', ')}) and an order (\`incidents newest\`, \`incidents high newest\`).`;

/** What `incidents` takes, as the tab's filters name them (any case, any order): at most one severity and one order. */
function filtersOf(args: readonly string[]): { severity?: ListedSeverity; order?: QueueOrder } {
  const filters: { severity?: ListedSeverity; order?: QueueOrder } = {};
  for (const arg of args) {
    const word = arg.toLowerCase();
    const severity = LISTED_SEVERITIES.find((s) => s === word);
    const order = QUEUE_ORDERS.find((o) => o === word);
    if (severity && !filters.severity) filters.severity = severity;
    else if (order && !filters.order) filters.order = order;
    else if (severity || order) throw new BadInputError(`${USAGE} ${quoted(arg)} was given twice over: one severity and one order at most.`);
    else {
      const near = closest(word, [...LISTED_SEVERITIES, ...QUEUE_ORDERS]);
      throw new BadInputError(`${USAGE} ${quoted(args.join(' ')) ?? 'That'} is neither a severity nor an order.${near ? ` Did you mean \`incidents ${near}\`?` : ''}`);
    }
  }
  return filters;
}

export const incidentsCommand: Command = {
  name: 'incidents',
  capability: 'read',
  what: 'list incidents',
  usage: 'incidents [high|medium|low|informational] [newest]',
  description: 'The open Insider Risk Management incidents, oldest New first as in the tab (or newest first), each with a button to open its card; with a severity, only those.',
  async handle(args, { reply, services, conversation }) {
    const filters = filtersOf(args);
    await reply(await openIncidentListCard(services.client, await services.privacy.namerFor(conversation), filters));
  },
};
