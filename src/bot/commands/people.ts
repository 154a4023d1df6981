/**
 * A person named in a command: by @mention, `me`, or a UPN. A person named by @mention has a
 * Teams id, a name and usually an Entra object id, but no UPN; their contact's `upn` then holds
 * the Entra object id, or the Teams id when even that is missing.
 */
import { BadInputError } from '../../errors.js';
import { parseUpn, shown } from '../../oncall/schedule.js';
import type { Actor, Contact } from '../../store/store.js';
import type { CommandContext, Mentioned } from '../services.js';

export function contactFromMention(mentioned: Mentioned): Contact {
  const contact: Contact = { upn: mentioned.aadObjectId ?? mentioned.id, name: mentioned.name, teamsId: mentioned.id };
  if (mentioned.aadObjectId) contact.aadObjectId = mentioned.aadObjectId;
  return contact;
}

function contactFromActor(actor: Actor): Contact {
  const contact: Contact = { upn: actor.upn ?? actor.aadObjectId ?? actor.id, name: actor.name, teamsId: actor.id };
  if (actor.aadObjectId) contact.aadObjectId = actor.aadObjectId;
  return contact;
}

/** The one person a command names (`oncall set`, `oncall escalation`, `assign`): an @mention, `me`, or a UPN. */
export function personNamed(args: readonly string[], context: CommandContext, usage: string): Contact {
  if (context.mentions.length > 1) throw new BadInputError(`Name one person, not ${context.mentions.length}. Type ${usage}.`);
  const mentioned = context.mentions[0];
  if (mentioned) return contactFromMention(mentioned);
  const [who, ...rest] = args;
  if (!who) throw new BadInputError(`Who? Type ${usage}.`);
  if (rest.length > 0) throw new BadInputError(`Name one person. Type ${usage}.`);
  if (who.toLowerCase() === 'me') return contactFromActor(context.actor);
  if (!who.includes('@')) throw new BadInputError(`I don't know who "${shown(who)}" is: @mention them or give their user principal name, such as adele.vance@contoso.com. Type ${usage}.`);
  return { upn: parseUpn(who) };
}
