/**
 * How long ago, in the largest units that still say something: 42 min, 5 h 3 min, 3 d 4 h. One
 * wording for the tab's Age column and the chat list (no imports: the tab's browser bundle has it too).
 */
export function ageText(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
