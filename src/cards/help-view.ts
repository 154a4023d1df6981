/** The help card's view model (`cards/help.json`): every command, and what Defender does not carry. */
import { NOT_IN_DEFENDER } from './common.js';
import { trustedMarkdown, type Markdown } from './markdown.js';

export interface HelpCardData {
  commands: { usage: Markdown; description: Markdown }[];
  notInDefender: Markdown;
}

/** Usage lines and descriptions are the commands' own markdown (code spans), written in the bot. */
export function helpCardData(commands: readonly { usage: string; description: string }[]): HelpCardData {
  return {
    commands: commands.map((c) => ({ usage: trustedMarkdown(c.usage), description: trustedMarkdown(c.description) })),
    notInDefender: NOT_IN_DEFENDER,
  };
}
