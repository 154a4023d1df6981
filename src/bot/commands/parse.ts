/**
 * What a person typed, as Teams delivers it: maybe wrapped in HTML, with an <at> mention of the
 * bot, a leading slash, non-breaking spaces and typographic quotes. Reduced to a command word
 * and arguments (quoted arguments keep their spaces).
 */
const ENTITIES: Record<string, string> = { '&nbsp;': ' ', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&apos;': "'" };

export function normaliseText(raw: string): string {
  return raw
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(nbsp|amp|lt|gt|quot|apos|#39);/g, (m) => ENTITIES[m] ?? m)
    .replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, ' ')
    .replace(/[\u201c\u201d\u201e\u201f\u2033]/g, '"')
    .replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'")
    .trim();
}

export function tokenise(text: string): string[] {
  // A token runs until unquoted whitespace; quoted parts (`user="a b"`) keep their spaces and lose their quotes.
  const pattern = /(?:[^\s"']+|"[^"]*"|'[^']*'|["'])+/g;
  return [...text.matchAll(pattern)].map((m) => m[0].replace(/"([^"]*)"|'([^']*)'/g, (_all, dq: string | undefined, sq: string | undefined) => dq ?? sq ?? ''));
}

export interface ParsedCommand {
  name: string;
  args: string[];
}

export function parseCommand(raw: string): ParsedCommand | null {
  const text = normaliseText(raw).replace(/^\/+/, '');
  const [name, ...args] = tokenise(text);
  if (!name) return null;
  return { name: name.toLowerCase(), args };
}
