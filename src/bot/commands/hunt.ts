import { huntHelpCardData } from '../../cards/hunt-help-view.js';
import { AS_RUN, huntResultCardData, type ResultLens } from '../../cards/hunt-result-view.js';
import { quoted } from '../../util/echo.js';
import { renderCard } from '../../cards/render.js';
import { BadInputError } from '../../errors.js';
import { HUNTING_QUERIES } from '../../hunting/queries.js';
import type { Command } from './command.js';
import type { BotServices } from '../services.js';
import type { ConversationRecord } from '../../store/store.js';
import type { HuntResult } from '../../hunting/service.js';

/**
 * A result posted in a channel or group chat names people and devices by pseudonym, the query and
 * its parameters included; a personal chat is the analyst's own (hunting needs the role), as run.
 */
export async function resultLens(services: BotServices, conversation: ConversationRecord, result: HuntResult): Promise<ResultLens> {
  if (conversation.kind === 'personal') return AS_RUN;
  const parameters = Object.values(result.prepared.values).filter((v): v is string => typeof v === 'string');
  return services.privacy.pseudonymiser(result.rows, [result.prepared.kql, ...parameters]);
}

/** `name=value` tokens (quotes already stripped by the tokeniser) as a record. */
export function assignments(tokens: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq <= 0) {
      throw new BadInputError(`I expected name=value after the query name, and found ${quoted(token) ?? 'a word'}. For example: hunt uploads ext=.zip days=7 (quote values with spaces).`);
    }
    raw[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return raw;
}

export const huntCommand: Command = {
  name: 'hunt',
  capability: (args) => (args.length === 0 || args[0]?.toLowerCase() === 'help' || args[1]?.toLowerCase() === 'help' ? 'anyone' : 'hunt'),
  what: 'run hunting queries',
  usage: 'hunt {query} name=value …',
  description: 'Runs a canned advanced-hunting query and answers with a table. `hunt` alone lists the queries; `hunt {query} help` explains one.',
  async handle(args, { reply, services, actor, conversation }) {
    const [name, ...rest] = args;
    if (!name || name.toLowerCase() === 'help') {
      await reply(renderCard('hunt-help', huntHelpCardData(HUNTING_QUERIES)));
      return;
    }
    const query = services.hunting.query(name);
    if (rest.length === 1 && rest[0]!.toLowerCase() === 'help') {
      await reply(renderCard('hunt-help', huntHelpCardData([query], true)));
      return;
    }
    const result = await services.hunting.run(query, assignments(rest), actor.aadObjectId ?? actor.id);
    await reply(renderCard('hunt-result', huntResultCardData(result, undefined, await resultLens(services, conversation, result), services.links.huntResult(result.id, result.query.name))));
  },
};
