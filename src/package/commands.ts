/** The manifest's `commandLists`, made from the chat-command registry so they stay in sync. */
export interface CommandInfo {
  name: string;
  description: string;
}

export interface ManifestCommand {
  title: string;
  description: string;
}

export type CommandScope = 'personal' | 'team' | 'groupChat';

/** Teams limits (https://learn.microsoft.com/microsoftteams/platform/resources/schema/manifest-schema#botscommandlists). */
export const MAX_COMMANDS_PER_LIST = 10;
export const MAX_COMMAND_TITLE = 32;
export const MAX_COMMAND_DESCRIPTION = 128;

/** Most useful first: when the registry outgrows Teams' 10-command menu, the tail is left out (it still works when typed). */
export const COMMAND_PRIORITY = ['help', 'incidents', 'incident', 'hunt', 'user', 'subscribe', 'subscriptions', 'oncall', 'summary', 'unsubscribe'];

/** Commands that only answer in a personal chat (`user` names a person's risk), so not offered in teams and group chats. */
export const PERSONAL_ONLY = new Set(['user']);

/** `text` cut to `max` characters at a word boundary, ending with an ellipsis when anything was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}

/**
 * A command's description within Teams' 128 characters, without Markdown code marks: as many whole
 * sentences as fit; when that leaves less than half the room (or not even the first fits), the text cut at a word with an ellipsis.
 */
export function shortDescription(description: string): string {
  const plain = description.replace(/`/g, '').replace(/\s+/g, ' ').trim();
  let kept = '';
  for (const sentence of plain.split(/(?<=[.!?])\s/)) {
    const next = kept ? `${kept} ${sentence}` : sentence;
    if (next.length > MAX_COMMAND_DESCRIPTION) break;
    kept = next;
  }
  return kept.length >= MAX_COMMAND_DESCRIPTION / 2 || kept === plain ? kept : truncate(plain, MAX_COMMAND_DESCRIPTION);
}

function rank(name: string): number {
  const i = COMMAND_PRIORITY.indexOf(name);
  return i === -1 ? COMMAND_PRIORITY.length : i;
}

/** At most 10 commands, most useful first (registry order among the rest), with Teams-sized titles and descriptions. */
export function manifestCommands(commands: readonly CommandInfo[], scope: CommandScope): ManifestCommand[] {
  return commands
    .filter((c) => scope === 'personal' || !PERSONAL_ONLY.has(c.name))
    .map((c, index) => ({ c, index }))
    .sort((a, b) => rank(a.c.name) - rank(b.c.name) || a.index - b.index)
    .slice(0, MAX_COMMANDS_PER_LIST)
    .map(({ c }) => ({ title: truncate(c.name, MAX_COMMAND_TITLE), description: shortDescription(c.description) }));
}

export function commandLists(commands: readonly CommandInfo[]): { scopes: CommandScope[]; commands: ManifestCommand[] }[] {
  return [
    { scopes: ['personal'], commands: manifestCommands(commands, 'personal') },
    { scopes: ['team', 'groupChat'], commands: manifestCommands(commands, 'team') },
  ];
}
