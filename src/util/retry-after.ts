/**
 * Retry-After, however it is sent: Graph (fetch `Headers`), the Bot Connector (Azure `HttpHeaders`)
 * or a plain header object; in milliseconds, or in seconds or as an HTTP date.
 */

/** The value as an object to read properties from, or null. */
export function record(value: unknown): Record<string, unknown> | null {
  return value !== null && (typeof value === 'object' || typeof value === 'function') ? (value as Record<string, unknown>) : null;
}

/** A header from an Azure `HttpHeaders` (`get(name)`), a fetch `Headers`, or a plain object. */
function headerOf(headers: unknown, name: string): string | null {
  const h = record(headers);
  if (!h) return null;
  if (typeof h.get === 'function') {
    const value: unknown = (h.get as (n: string) => unknown).call(headers, name);
    return typeof value === 'string' ? value : null;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(h)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return null;
}

function nonNegativeNumber(text: string | null): number | null {
  if (text === null || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Retry-After in milliseconds from response headers: the millisecond headers first (as the Azure pipeline reads them), then seconds or an HTTP date. */
export function retryAfterFromHeaders(headers: unknown, now: number = Date.now()): number | null {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = nonNegativeNumber(headerOf(headers, name));
    if (ms !== null) return Math.ceil(ms);
  }
  const raw = headerOf(headers, 'retry-after');
  if (raw === null) return null;
  const seconds = nonNegativeNumber(raw);
  if (seconds !== null) return Math.ceil(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}
