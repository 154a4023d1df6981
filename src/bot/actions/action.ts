/** A card action: one Action.Execute verb, the zod schema of its data, and what it does. */
import type { AuditNote } from '../audit.js';
import { z } from 'zod';
import type { AdaptiveCardJson } from '../../cards/render.js';
import type { HandlerContext } from '../services.js';
import type { ConversationRecord } from '../../store/store.js';
import { BadInputError, IncidentConflictError } from '../../errors.js';
import { STORE_LAGS_NOTICE, type TriageOutcome } from '../../triage/triage.js';
import { renderCard } from '../../cards/render.js';
import type { ResolveDraft } from '../../cards/incident-view.js';
import { createLogger } from '../../logger.js';

const log = createLogger('triage');
import type { Capability } from '../../auth/roles.js';

/**
 * What a click answers: the card that replaces the clicked one for the clicker, or a short message
 * that leaves the clicked card as it is (Teams shows it briefly).
 */
export type ActionResult = AdaptiveCardJson | { message: string };

export function isMessageResult(result: ActionResult): result is { message: string } {
  return 'message' in result;
}

export interface CardAction<S extends z.ZodType = z.ZodType> {
  verb: string;
  /** What the clicker must be allowed to do (checked before anything is looked up). */
  capability: Capability;
  what: string;
  /** What the click is recorded against, from its data (default: the data itself, as JSON). */
  audit?(data: z.infer<S>): Partial<AuditNote>;
  /** Also offered in the tab, where there is no conversation (`context.conversation` is null). */
  inTab?: boolean;
  data: S;
  /** Answers the card that replaces the clicked one for the clicking user, or a message that leaves it. */
  handle(data: z.infer<S>, context: HandlerContext): Promise<ActionResult>;
}

export function defineAction<S extends z.ZodType>(action: CardAction<S>): CardAction<S> {
  return action;
}

/** The conversation of the clicked card; buttons that post into it do not work from the tab. */
export function conversationOf(context: HandlerContext, what: string): ConversationRecord {
  if (!context.conversation) throw new BadInputError(`${what} works from the card in a Teams chat.`);
  return context.conversation;
}

/**
 * A decision that does not fit the incident as it stands (an outdated card, already resolved,
 * already in progress) gets the incident as it stands back, with the reason, instead of an error.
 */
export async function currentCardIfStale(context: HandlerContext, act: () => Promise<AdaptiveCardJson>, draft?: ResolveDraft): Promise<AdaptiveCardJson> {
  try {
    return await act();
  } catch (err) {
    if (!(err instanceof IncidentConflictError)) throw err;
    context.audit.refused(err.message);
    return context.services.cards.card(err.incident, err.message, undefined, draft);
  }
}

/** Said on the clicked card when Defender is too slow to wait for. */
export const WRITING_NOTICE =
  'Your decision is being written to Microsoft Defender, which is slow to answer just now. This card updates for everyone when it lands; clicking again writes nothing twice.';

/**
 * A decision from a card, answered within `services.decisionBudgetMs` whatever Defender does:
 * Teams waits about 10–15 s for a click's answer and then shows an error although the decision is
 * still being written. Past the budget the clicker sees the incident (as the decision read it)
 * saying the decision is being written; the posted cards update when it lands (triage redraws
 * them), and a failure after that is said in the conversation. Decisions on one incident run one
 * at a time, so a second click waits its turn and writes nothing twice.
 */
export async function decideWithinBudget(context: HandlerContext, incidentId: string, decide: () => Promise<TriageOutcome>, draft?: ResolveDraft): Promise<ActionResult> {
  const { services } = context;
  const pending = currentCardIfStale(
    context,
    async () => {
      const outcome = await decide();
      if (outcome.notice === STORE_LAGS_NOTICE) context.audit.addDetail('written to Defender; the bot’s store could not save its record at the time');
      return services.cards.card(outcome.incident, outcome.notice);
    },
    draft,
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), services.decisionBudgetMs)));
  const answered = await Promise.race([pending, late]).finally(() => clearTimeout(timer));
  if (answered) return answered;
  // Recorded once the decision lands (or fails), not as answered.
  context.audit.until(pending);
  pending.catch(async (err: unknown) => {
    log.warn('a decision answered as being written then failed', { incidentId, err });
    if (!context.conversation) return;
    const text = `Your decision on incident ${incidentId} could not be written to Microsoft Defender (${(err as Error).message}). Nothing is lost on the card: check it, then decide again.`;
    await services.publisher.send(context.conversation, renderCard('notice', { heading: 'Decision not written', text, colour: 'Attention' })).catch(() => undefined);
  });
  const seen = services.triage.inFlight(incidentId);
  return seen ? services.cards.card(seen, WRITING_NOTICE) : { message: WRITING_NOTICE };
}

/** Incident ids as Defender issues them; anything else is refused before a lookup. */
export const incidentIdSchema = z
  .string({ message: 'the card does not say which incident it is about' })
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'the incident id on the card is not valid');
