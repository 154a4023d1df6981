/** The incident list card's view model (`cards/incident-list.json`). */
import type { Markdown } from './markdown.js';

export interface IncidentListCardData {
  heading: Markdown;
  count: number;
  emptyText: Markdown;
  items: { incidentId: string; title: Markdown; severityWord: Markdown; severityColour: string; userText: Markdown; status: Markdown; started: Markdown }[];
  hasMore: boolean;
  moreText: Markdown;
}
