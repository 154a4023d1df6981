/**
 * The little markdown the cards use (bold, italic, links, backslash escapes), as safe HTML: the
 * text is escaped first, so nothing from Defender can become markup; only http(s) links pass.
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export function markdownToSafeHtml(text: string): string {
  // Backslash-escaped characters are held aside so they are never read as markdown. Any ASCII
  // punctuation, as in CommonMark: the bot escapes `<`, `{` and list markers too (cards/markdown.ts).
  const held: string[] = [];
  const hold = (s: string) => `\u0000${held.push(s) - 1}\u0000`;
  let out = text.replace(/\\([!-/:-@[-`{-~])/g, (_, c: string) => hold(escapeHtml(c)));
  out = escapeHtml(out);
  out = out.replace(/\[([^\]]{1,300})\]\((https?:\/\/[^\s)"\u0000]{1,2000})\)/g, (_, label: string, url: string) => hold(`<a href="${url}" target="_blank" rel="noopener noreferrer">${label}</a>`));
  out = out.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  out = out.replace(/(^|[\s(])_([^_]+)_(?=$|[\s).,;:])/g, '$1<em>$2</em>');
  out = out.replace(/\n/g, '<br>');
  // A held link may itself hold escaped characters: unfold twice.
  const unfold = (text: string) => text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => held[Number(i)] ?? '');
  return unfold(unfold(out));
}
