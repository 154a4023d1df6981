/**
 * Errors the embedded tenant answers with, in Graph's shape:
 * `{"error":{"code","message","innerError":{"date","request-id"}}}`.
 */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphHttpError';
  }
}

export const badRequest = (message: string) => new GraphHttpError(400, 'BadRequest', message);
export const notFound = (message: string) => new GraphHttpError(404, 'NotFound', message);

export function graphErrorBody(code: string, message: string, requestId: string, date: Date) {
  return { error: { code, message, innerError: { date: date.toISOString().replace(/\.\d{3}Z$/, 'Z'), 'request-id': requestId, 'client-request-id': requestId } } };
}
