/**
 * The one error family. Every failure the bot reports to a person has a code, a message in
 * words (safe to show: no secrets, no stack), and optionally the cause for the log.
 */
export const ErrorCode = {
  Config: 'ConfigError',
  BadInput: 'BadInput',
  NotFound: 'NotFound',
  Conflict: 'Conflict',
  UnknownVerb: 'UnknownVerb',
  Graph: 'GraphError',
  GraphUnavailable: 'GraphUnavailable',
  Store: 'StoreError',
  RateLimited: 'RateLimited',
  Unauthorized: 'Unauthorized',
  MethodNotAllowed: 'MethodNotAllowed',
  PayloadTooLarge: 'PayloadTooLarge',
  UnsupportedMediaType: 'UnsupportedMediaType',
  Unavailable: 'Unavailable',
  Forbidden: 'Forbidden',
  Internal: 'InternalError',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AppError extends Error {
  readonly code: ErrorCode;
  /** HTTP-ish status used for invoke responses and API answers. */
  readonly status: number;
  constructor(code: ErrorCode, message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

export class ConfigError extends AppError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(ErrorCode.Config, `Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, 500);
    this.problems = problems;
  }
}

/** Something a person sent (a command, a card action, a request body) is not acceptable. */
export class BadInputError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BadInput, message, 400, options);
  }
}

/** An HTTP request the bot's server cannot take as sent (body too large, not JSON, wrong method or media type). */
export class RequestError extends AppError {
  constructor(status: 400 | 405 | 413 | 415, message: string) {
    const code = { 400: ErrorCode.BadInput, 405: ErrorCode.MethodNotAllowed, 413: ErrorCode.PayloadTooLarge, 415: ErrorCode.UnsupportedMediaType }[status];
    super(code, message, status);
  }
}

/** The bot is up but a part of it cannot serve (for example the tab's sign-in is not configured). */
export class ServiceUnavailableError extends AppError {
  constructor(message: string) {
    super(ErrorCode.Unavailable, message, 503);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(ErrorCode.NotFound, message, 404);
  }
}

/** The action does not fit the current state (for example the incident is already resolved). */
export class ConflictError extends AppError {
  constructor(message: string) {
    super(ErrorCode.Conflict, message, 409);
  }
}

export class UnknownVerbError extends AppError {
  constructor(verb: string, known: readonly string[]) {
    super(ErrorCode.UnknownVerb, `This card action ("${verb.slice(0, 60)}") is not one the bot knows. Known actions: ${known.join(', ')}.`, 400);
  }
}

/** Graph (or the embedded tenant) answered with an error, or could not be reached. */
export class GraphError extends AppError {
  readonly httpStatus: number | null;
  readonly graphCode: string | null;
  readonly retryAfterSeconds: number | null;
  /** Graph's own message (or what went wrong on the way), without the code the bot puts in front. */
  readonly graphMessage: string;
  constructor(
    message: string,
    details: { httpStatus: number | null; graphCode: string | null; retryAfterSeconds?: number | null; graphMessage?: string },
    options?: { cause?: unknown },
  ) {
    const unavailable = details.httpStatus === null || details.httpStatus === 429 || details.httpStatus >= 500;
    super(unavailable ? ErrorCode.GraphUnavailable : ErrorCode.Graph, message, unavailable ? 503 : 502, options);
    this.httpStatus = details.httpStatus;
    this.graphCode = details.graphCode;
    this.retryAfterSeconds = details.retryAfterSeconds ?? null;
    this.graphMessage = details.graphMessage ?? message;
  }
}

/** The bot's own limit, kept below Microsoft's so analysts hear a friendly "wait" instead of a Graph 429. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(ErrorCode.RateLimited, `${message} Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`, 429);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The caller did not prove who they are (a missing, forged or expired sign-in token). Never echoes the token. */
export class UnauthorizedError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Unauthorized, message, 401, options);
  }
}

export class StoreError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Store, message, 500, options);
  }
}

/** A change the bot made could not be saved; it is kept in memory and saved with the next write that succeeds. */
export class StoreWriteError extends StoreError {}

/** Another replica changed (or created) the document since this one read it: read again, then decide again. */
export class StoreConflictError extends StoreError {}

/** Wrap anything thrown into the family; unknown failures become a generic internal error. */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError(ErrorCode.Internal, 'Something went wrong inside the bot. The details are in its log.', 500, { cause: err });
}

/** What a person reads when an action failed: the message, plus when to retry for outages. */
export function describeForUser(err: AppError): string {
  if (err instanceof GraphError && err.code === ErrorCode.GraphUnavailable) {
    const when = err.retryAfterSeconds ? ` Try again in ${err.retryAfterSeconds} second${err.retryAfterSeconds === 1 ? '' : 's'}.` : ' Try again in a minute.';
    return `Microsoft Defender did not answer (${err.httpStatus ?? 'no connection'}).${when}`;
  }
  if (err instanceof GraphError && err.httpStatus === 403) {
    return `Microsoft Defender refused the request: the bot's app registration lacks a Graph permission (${err.message}).`;
  }
  return err.message;
}
