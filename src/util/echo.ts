/**
 * What a person typed, quoted back to them only if it is short plain text (letters, digits,
 * `_ . @ -`): replies go to shared chats, where anything else could be markdown or a mention.
 */
export function quoted(value: string): string | null {
  return /^[\w.@-]{1,40}$/.test(value) ? `"${value}"` : null;
}
