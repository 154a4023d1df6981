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

/** The closest known word, for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(best.candidate.length / 3)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
