/** The hunt help card's view model (`cards/hunt-help.json`): the query catalogue, one query or all. */
import type { CannedQuery } from '../hunting/canned-query.js';
import { MAX_DAYS } from '../hunting/params.js';
import { md, trustedMarkdown, type Markdown } from './markdown.js';

/** Everything here is the query catalogue's own words and markdown (code spans in the intro). */
export interface HuntHelpCardData {
  heading: Markdown;
  intro: Markdown;
  queries: { name: Markdown; description: Markdown; tables: Markdown; params: { name: Markdown; text: Markdown }[]; example: Markdown }[];
}

export function huntHelpCardData(queries: readonly CannedQuery[], single = false): HuntHelpCardData {
  return {
    heading: single && queries[0] ? md`hunt ${trustedMarkdown(queries[0].name)}` : md`Hunting queries`,
    intro: md`Run one with \`hunt {query} name=value …\` (quote values with spaces). Results cover at most the last ${MAX_DAYS} days, as Defender keeps them.`,
    queries: queries.map((q) => ({
      name: trustedMarkdown(q.name),
      description: trustedMarkdown(q.description),
      tables: trustedMarkdown(q.tables.join(', ')),
      params: q.params.map((p) => ({
        name: trustedMarkdown(p.name),
        text: trustedMarkdown(`${p.description}${p.required ? ' (required)' : p.default !== undefined ? ` (default ${p.default})` : ' (optional)'}`),
      })),
      example: trustedMarkdown(q.example),
    })),
  };
}
