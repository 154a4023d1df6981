/**
 * Reading what the Bot Framework connector answered when a call failed: its HTTP status and
 * Retry-After, or the network error of a call that got no answer. Knows nothing of botbuilder:
 * failures are read by shape. botframework-connector's client (Azure core pipeline) already
 * retries a 429 or 503 (honouring Retry-After) and other 5xx answers (backing off) up to three
 * times itself, before its RestError reaches the bot; a 412 reaches it at once.
 */
import { record, retryAfterFromHeaders } from '../util/retry-after.js';
import { ConnectorError } from '../errors.js';

/** Error codes Node and the Azure pipeline give a request that never got an answer. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

/**
 * The HTTP status and Retry-After of a failed connector call. Understands botframework-connector's
 * `RestError` (`statusCode`, and a non-enumerable `response` whose `headers.get()` reads a header),
 * the gateway's `ConnectorError`, and errors wrapping either in `cause`. Null where unknown.
 */
export function connectorRetryAfter(err: unknown, now: number = Date.now()): { status: number | null; retryAfterMs: number | null } {
  for (let e: unknown = err, depth = 0; record(e) && depth < 5; e = record(e)?.cause, depth++) {
    if (e instanceof ConnectorError) return { status: e.httpStatus, retryAfterMs: e.retryAfterMs };
    const r = record(e)!;
    const response = record(r.response);
    const status =
      typeof r.statusCode === 'number' ? r.statusCode : typeof response?.status === 'number' ? response.status : typeof r.httpStatus === 'number' ? r.httpStatus : null;
    if (status === null) continue;
    const retryAfterMs = retryAfterFromHeaders(response?.headers ?? r.headers, now);
    return { status, retryAfterMs };
  }
  return { status: null, retryAfterMs: null };
}

/** The network error code (ECONNRESET, REQUEST_SEND_ERROR, …) of a call that got no HTTP answer, or null. */
export function networkErrorCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; record(e) && depth < 5; e = record(e)?.cause, depth++) {
    if (e instanceof ConnectorError) return e.networkCode;
    const code = record(e)!.code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  return null;
}

/** What a failed connector call threw, as a ConnectorError saying what the connector answered (or that it did not). */
export function toConnectorError(err: unknown, operation: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const { status, retryAfterMs } = connectorRetryAfter(err);
  const networkCode = status === null ? networkErrorCode(err) : null;
  const what = status !== null ? `HTTP ${status}` : (networkCode ?? (err instanceof Error ? err.message.slice(0, 200) : 'an unknown failure'));
  return new ConnectorError(`The Bot Framework connector failed to ${operation} (${what}).`, { httpStatus: status, retryAfterMs, networkCode }, { cause: err });
}
