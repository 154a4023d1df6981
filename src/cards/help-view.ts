/** The help card's view model (`cards/help.json`). */
import type { Markdown } from './markdown.js';

export interface HelpCardData {
  commands: { usage: Markdown; description: Markdown }[];
  notInDefender: Markdown;
}
