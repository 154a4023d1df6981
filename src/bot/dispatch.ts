/**
 * The one way a request becomes a role-checked, audited handler call, whichever surface it came
 * from: a typed command or a card button in Teams, or the same button in the tab. Each is
 * recorded once, as it declares, by `audited` (audit.ts), refusals by the role check included.
 */
import type { Capability } from '../auth/roles.js';
import { BadInputError, StoreWriteError, UnknownVerbError } from '../errors.js';
import type { Actor, ConversationRecord } from '../store/store.js';
import { actionsByVerb } from './actions/index.js';
import type { ActionResult } from './actions/action.js';
import { audited, type Surface } from './audit.js';
import type { Command } from './commands/command.js';
import type { BotServices, CommandContext } from './services.js';

export type { Surface } from './audit.js';

function ignoreStoreLag(err: unknown): void {
  if (!(err instanceof StoreWriteError)) throw err;
}

/** The role check (a refusal throws ForbiddenError, which the audit records as refused). */
export async function authorize(services: BotServices, actor: Actor, capability: Capability, what: string, surface: Surface): Promise<void> {
  services.roles.authorize(actor, capability, what);
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

/**
 * Runs a card button's handler: the verb must exist (and be offered on this surface), the clicker
 * allowed, the data valid. Recorded as the verb, with the target the action declares (by default
 * the card's data).
 */
export async function runCardAction(services: BotServices, request: ActionRequest): Promise<ActionResult> {
  const { verb, actor, surface } = request;
  const action = actionsByVerb.get(verb);
  if (!action) throw new UnknownVerbError(verb, [...actionsByVerb.keys()]);
  return audited(services, { actor, surface, audit: { action: verb } }, async (audit) => {
    if (surface === 'tab' && !action.inTab) throw new BadInputError(`"${action.what}" works from the card in a Teams chat, not from the tab.`);
    await authorize(services, actor, action.capability, action.what, surface);
    const input = action.data.safeParse(request.data ?? {});
    if (!input.success) throw new BadInputError(`The card's data cannot be used: ${input.error.issues.map((i) => i.message).join('; ')}.`);
    audit.note(action.audit ? action.audit(input.data) : { target: JSON.stringify(input.data).slice(0, 200) });
    return action.handle(input.data, { actor, conversation: request.conversation, services, audit });
  });
}

export interface CommandRequest {
  command: Command;
  args: string[];
  actor: Actor;
  conversation: ConversationRecord;
  mentions: CommandContext['mentions'];
  upnOf: CommandContext['upnOf'];
  reply: CommandContext['reply'];
}

/** Runs a typed command: the person must be allowed; recorded as `command:{name}` with its arguments, unless the command says more precisely. */
export async function runCommand(services: BotServices, request: CommandRequest): Promise<void> {
  const { command, args, actor } = request;
  const target = args.join(' ').slice(0, 200) || undefined;
  await audited(services, { actor, surface: 'chat', audit: { action: `command:${command.name}`, target } }, async (audit) => {
    await authorize(services, actor, typeof command.capability === 'function' ? command.capability(args) : command.capability, command.what, 'chat');
    await command.handle(args, { actor, conversation: request.conversation, services, mentions: request.mentions, upnOf: request.upnOf, reply: request.reply, audit });
  });
}
