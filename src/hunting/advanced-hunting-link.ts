/**
 * A link that opens Defender's Advanced hunting with the query already typed in. The format is
 * community-known rather than documented: the KQL as UTF-16LE, gzipped, base64url without padding.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

const BASE = 'https://security.microsoft.com/v2/advanced-hunting';

export function advancedHuntingUrl(kql: string, timeRangeId: 'day' | 'week' | 'month' = 'week'): string {
  const encoded = gzipSync(Buffer.from(kql, 'utf16le')).toString('base64url');
  return `${BASE}?query=${encoded}&timeRangeId=${timeRangeId}`;
}

/** The KQL inside such a link (tests, and anyone checking what a link will run). */
export function queryFromAdvancedHuntingUrl(url: string): string {
  const query = new URL(url).searchParams.get('query');
  if (!query) throw new Error('not an Advanced hunting link');
  return gunzipSync(Buffer.from(query, 'base64url')).toString('utf16le');
}

/** Advanced hunting offers day, week and month ranges; pick the smallest that covers the query. */
export function timeRangeFor(days: number): 'day' | 'week' | 'month' {
  return days <= 1 ? 'day' : days <= 7 ? 'week' : 'month';
}
