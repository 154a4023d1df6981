/**
 * What a card click (`adaptiveCard/action`) answers, as Teams' Universal Actions contract allows:
 * a card that replaces the clicked one, a short message that leaves it, or an error. Teams knows
 * only these pairs (status 200 with a card or a message, 400 or 500 with an error, 401 loginRequest,
 * 412 preconditionFailed); any other status shows its generic "Something went wrong" instead of the
 * bot's words. So refusals, conflicts and outages answer 200 in words, and only input the bot
 * cannot use (400) or its own failure (500) answer as errors. The HTTP status is 200 whatever the
 * body says (server.ts), as the contract requires.
 * https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/user-specific-views
 */
import { ActivityTypes, INVOKE_RESPONSE_KEY, type Activity, type AdaptiveCardInvokeResponse, type InvokeResponse, type TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render.js';
import { AppError, BadInputError, ErrorCode, UnknownVerbError, asAppError, describeForUser } from '../errors.js';
import { createLogger } from '../logger.js';

const log = createLogger('bot');

export const CARD_TYPE = 'application/vnd.microsoft.card.adaptive';
export const MESSAGE_TYPE = 'application/vnd.microsoft.activity.message';
export const ERROR_TYPE = 'application/vnd.microsoft.error';

/** One of the answers the contract allows, typed as Teams reads it. */
export type CardActionResponse =
  | { statusCode: 200; type: typeof CARD_TYPE; value: AdaptiveCardJson }
  | { statusCode: 200; type: typeof MESSAGE_TYPE; value: string }
  | { statusCode: 400 | 500; type: typeof ERROR_TYPE; value: { code: string; message: string } };

export function cardResponse(card: AdaptiveCardJson): CardActionResponse {
  return { statusCode: 200, type: CARD_TYPE, value: card };
}

export function messageResponse(text: string): CardActionResponse {
  return { statusCode: 200, type: MESSAGE_TYPE, value: text };
}

function errorResponse(statusCode: 400 | 500, code: string, message: string): CardActionResponse {
  return { statusCode, type: ERROR_TYPE, value: { code, message } };
}

/**
 * Sends the click's answer as the turn's invoke response, and returns what onAdaptiveCardInvoke
 * must return. botbuilder types an answer's `value` as an object (AdaptiveCardInvokeResponse),
 * which a message answer (a string) is not, while an `invokeResponse` activity carries any body.
 * botbuilder sends an answer built from onAdaptiveCardInvoke's return only when no invoke response
 * is recorded for the turn (INVOKE_RESPONSE_KEY), so the returned value is never sent: it carries
 * the status and type alone. CloudAdapter records what it sends; the record here covers adapters
 * that do not (botbuilder's TestAdapter).
 */
export async function answerCardAction(context: TurnContext, response: CardActionResponse): Promise<AdaptiveCardInvokeResponse> {
  const invokeResponse: InvokeResponse<CardActionResponse> = { status: response.statusCode, body: response };
  const activity: Partial<Activity> = { type: ActivityTypes.InvokeResponse, value: invokeResponse };
  await context.sendActivity(activity);
  if (!context.turnState.get(INVOKE_RESPONSE_KEY)) context.turnState.set(INVOKE_RESPONSE_KEY, activity);
  return { statusCode: response.statusCode, type: response.type, value: {} };
}

/** A failed click in words: input the bot cannot use is a 400, its own failure a 500, anything else a message. */
export function responseForError(err: unknown): CardActionResponse {
  const appError: AppError = asAppError(err);
  if (appError instanceof BadInputError || appError instanceof UnknownVerbError) return errorResponse(400, appError.code, describeForUser(appError));
  if (appError.code === ErrorCode.Internal || appError.code === ErrorCode.Store || appError.code === ErrorCode.Config) {
    log.error('card action failed', { err });
    return errorResponse(500, appError.code, describeForUser(appError));
  }
  // Refused (no role), not found, a conflict with no card to show, throttled, Defender unavailable.
  return messageResponse(describeForUser(appError));
}
