/**
 * The one way a request becomes a role-checked, audited handler call, whichever surface it came
 * from: a typed command or a card button in Teams, or the same button in the tab. A refusal is
 * audited; a success is audited unless the handler writes its own, more detailed, entry.
 */
import type { Capability } from '../auth/roles.js';
import { BadInputError, StoreWriteError, UnknownVerbError } from '../errors.js';
import type { Actor, ConversationRecord } from '../store/store.js';
import { actionsByVerb } from './actions/index.js';
import type { ActionResult } from './actions/action.js';
import type { BotServices } from './services.js';

function ignoreStoreLag(err: unknown): void {
  if (!(err instanceof StoreWriteError)) throw err;
}

/** Where a request came from: Teams chat, or the tab (no conversation, and the actor is not a Teams id). */
export type Surface = 'chat' | 'tab';

export async function authorize(services: BotServices, actor: Actor, capability: Capability, what: string, action: string, surface: Surface, now: Date): Promise<void> {
  try {
    services.roles.authorize(actor, capability, what);
  } catch (err) {
    await services.store.appendAudit({ at: now.toISOString(), actor, action, outcome: 'refused', detail: surfaceDetail(surface, (err as Error).message) });
    throw err;
  }
  // Shared cards offer their per-user view to analysts Teams knows by id; the tab's callers are not Teams ids.
  // A nicety: a store that cannot be written just now (it keeps this in memory) must not stop the action.
  if (capability !== 'anyone' && surface === 'chat') await services.privacy.rememberViewer(actor).catch(ignoreStoreLag);
}

export interface ActionRequest {
  verb: string;
  data: Record<string, unknown> | null | undefined;
  actor: Actor;
  /** The conversation of the clicked card; null in the tab. */
  conversation: ConversationRecord | null;
  surface: Surface;
}

/** Runs a card button's handler: the verb must exist (and be offered on this surface), the clicker allowed, the data valid. */
export async function runCardAction(services: BotServices, request: ActionRequest, now: Date): Promise<ActionResult> {
  const { verb, actor, surface } = request;
  const action = actionsByVerb.get(verb);
  if (!action) throw new UnknownVerbError(verb, [...actionsByVerb.keys()]);
  if (surface === 'tab' && !action.inTab) throw new BadInputError(`"${action.what}" works from the card in a Teams chat, not from the tab.`);
  await authorize(services, actor, action.capability, action.what, verb, surface, now);
  const input = action.data.safeParse(request.data ?? {});
  if (!input.success) throw new BadInputError(`The card's data cannot be used: ${input.error.issues.map((i) => i.message).join('; ')}.`);
  const target = JSON.stringify(input.data).slice(0, 200);
  let result: ActionResult;
  try {
    result = await action.handle(input.data, { actor, conversation: request.conversation, services });
  } catch (err) {
    if (!action.auditsItself) await services.store.appendAudit({ at: now.toISOString(), actor, action: verb, target, outcome: 'failed', detail: surfaceDetail(surface, (err as Error).message) });
    throw err;
  }
  if (!action.auditsItself) await services.store.appendAudit({ at: now.toISOString(), actor, action: verb, target, outcome: 'ok', detail: surface === 'tab' ? 'from the tab' : undefined });
  return result;
}

function surfaceDetail(surface: Surface, text: string): string {
  return surface === 'tab' ? `${text} (from the tab)` : text;
}
