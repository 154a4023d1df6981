/**
 * The `Timespan` of a runHuntingQuery request: an ISO 8601 duration (`P30D`, `PT12H`, `P1DT6H`),
 * an interval (`start/end`, `start/duration`, `duration/end`) or a start alone. Defender keeps
 * 30 days: whatever is asked, nothing older is visible.
 */
import { KqlError } from './errors.js';
import { parseDatetimeText } from './types.js';

export interface TimeWindow {
  startMs: number;
  endMs: number;
}

const DAY = 86_400_000;
export const RETENTION_DAYS = 30;

/** Milliseconds of an ISO 8601 duration (years as 365 days, months as 30), or undefined. */
export function parseIsoDuration(text: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text.trim());
  if (!m || /T$/i.test(text.trim())) return undefined;
  const [, y, mo, w, d, h, mi, s] = m;
  if ([y, mo, w, d, h, mi, s].every((part) => part === undefined)) return undefined;
  const n = (part: string | undefined) => (part === undefined ? 0 : Number(part));
  return n(y) * 365 * DAY + n(mo) * 30 * DAY + n(w) * 7 * DAY + n(d) * DAY + n(h) * 3_600_000 + n(mi) * 60_000 + n(s) * 1000;
}

function invalid(timespan: string): KqlError {
  return new KqlError(
    `The Timespan '${timespan.slice(0, 100)}' is not valid: send an ISO 8601 duration such as P30D or PT12H, or an interval such as 2026-11-01T00:00:00Z/2026-11-08T00:00:00Z`,
  );
}

export function huntingWindow(timespan: string | undefined, nowMs: number, retentionDays = RETENTION_DAYS): TimeWindow {
  const oldest = nowMs - retentionDays * DAY;
  const text = (timespan ?? '').trim();
  let startMs: number;
  let endMs = nowMs;
  if (text === '') {
    startMs = oldest;
  } else if (text.includes('/')) {
    const [a = '', b = '', ...rest] = text.split('/');
    if (rest.length > 0) throw invalid(text);
    const aDuration = /^P/i.test(a.trim()) ? parseIsoDuration(a) : undefined;
    const bDuration = /^P/i.test(b.trim()) ? parseIsoDuration(b) : undefined;
    const aTime = aDuration === undefined ? parseDatetimeText(a) : undefined;
    const bTime = bDuration === undefined ? parseDatetimeText(b) : undefined;
    if (aTime !== undefined && bTime !== undefined) {
      startMs = aTime;
      endMs = bTime;
    } else if (aTime !== undefined && bDuration !== undefined) {
      startMs = aTime;
      endMs = aTime + bDuration;
    } else if (aDuration !== undefined && bTime !== undefined) {
      startMs = bTime - aDuration;
      endMs = bTime;
    } else {
      throw invalid(text);
    }
    if (endMs < startMs) throw new KqlError(`The Timespan '${text}' ends before it starts`);
  } else if (/^P/i.test(text)) {
    const duration = parseIsoDuration(text);
    if (duration === undefined) throw invalid(text);
    startMs = nowMs - duration;
  } else {
    const start = parseDatetimeText(text);
    if (start === undefined) throw invalid(text);
    startMs = start;
  }
  return { startMs: Math.max(startMs, oldest), endMs };
}
