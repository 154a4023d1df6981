import type { Incident } from './defender/model.js';

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

/** A decision that does not fit the incident as it stands; the clicker is shown it as it stands, with the reason. */
export class IncidentConflictError extends ConflictError {
  constructor(
    message: string,
    readonly incident: Incident,
  ) {
    super(message);
  }
}

/** The card the analyst clicked was drawn before the incident last changed: nothing was written. */
export class StaleCardError extends IncidentConflictError {
  constructor(incident: Incident) {
    super(`Incident ${incident.id} changed since this card was drawn, so nothing was written. This is how it stands now: check it, then decide again.`, incident);
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

/** The person is known but lacks the role for what they asked. */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(ErrorCode.Forbidden, message, 403);
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

/**
 * A send or update the Bot Framework connector refused or never answered, with what the connector
 * said. Thrown by the botbuilder gateway so the cause survives CloudAdapter's turn machinery.
 * Not an AppError: it is only ever a cause. The paced gateway turns every one into a
 * DeliveryError, which is what callers see. Built by `toConnectorError`
 * (sync/connector-failures.ts), which reads the connector's failures.
 */
export class ConnectorError extends Error {
  readonly httpStatus: number | null;
  readonly retryAfterMs: number | null;
  /** ECONNRESET and the like when there was no HTTP answer. */
  readonly networkCode: string | null;
  constructor(message: string, details: { httpStatus: number | null; retryAfterMs: number | null; networkCode: string | null }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectorError';
    this.httpStatus = details.httpStatus;
    this.retryAfterMs = details.retryAfterMs;
    this.networkCode = details.networkCode;
  }
}

/** A message that could not be delivered. `retryable`: a later try may succeed, so keep it for the next poll. */
export class DeliveryError extends AppError {
  readonly conversationKey: string;
  readonly operation: 'send' | 'update';
  readonly attempts: number;
  readonly httpStatus: number | null;
  readonly retryable: boolean;
  /** When the connector last asked us to wait, how long (ms). */
  readonly retryAfterMs: number | null;
  constructor(
    details: { conversationKey: string; operation: 'send' | 'update'; attempts: number; httpStatus: number | null; retryable: boolean; retryAfterMs: number | null },
    options?: { cause?: unknown },
  ) {
    const why = details.httpStatus !== null ? `Teams answered ${details.httpStatus}` : 'Teams could not be reached';
    const verb = details.operation === 'send' ? 'post' : 'update';
    super(
      ErrorCode.Internal,
      !details.retryable
        ? `Could not ${verb} the card in this conversation: ${why}.`
        : details.attempts === 0
          ? `Did not ${verb} the card in this conversation: it is resting after Teams refused messages (${why}). It will be tried again.`
          : `Could not ${verb} the card in this conversation: ${why} after ${details.attempts} attempt${details.attempts === 1 ? '' : 's'}. It will be tried again.`,
      503,
      options,
    );
    this.conversationKey = details.conversationKey;
    this.operation = details.operation;
    this.attempts = details.attempts;
    this.httpStatus = details.httpStatus;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }
}

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
