/** The shift summary card's view model (`cards/summary.json`); sync/summary.ts gathers it from Defender. */
import type { Markdown } from './markdown.js';

/** Text fields are Markdown (see markdown.ts): the incident ids in `overdueText` are Defender's. */
export interface SummaryCardData {
  heading: Markdown;
  period: Markdown;
  openCount: number;
  header: Markdown[];
  ageRows: { cells: Markdown[] }[];
  overdueText: Markdown;
  overdueColour: 'Attention' | 'Good';
  /** The oldest of them, each with an Open button (a card has room for a few buttons). */
  hasOverdueOpen: boolean;
  overdueOpen: { incidentId: string }[];
  resolvedCount: number;
  /** FactSet values are text. */
  confirmed: Markdown;
  dismissedFalse: Markdown;
  dismissedInformational: Markdown;
  dismissedUnclassified: Markdown;
}
