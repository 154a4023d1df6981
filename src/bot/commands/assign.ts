/**
 * `assign {id} me|@name|{upn}`: give an incident to someone, written to Defender's incident and its
 * IRM alerts (`assignedTo`, which Defender shows as the owner: an email address). A person named
 * by @mention is assigned by the UPN Teams gives for them.
 */
import { BadInputError } from '../../errors.js';
import { parseUpn, shown } from '../../oncall/schedule.js';
import { incidentIdSchema } from '../actions/action.js';
import type { CommandContext } from '../services.js';
import type { Command } from './command.js';

const USAGE = '`assign {id} me`, `assign {id} @name` or `assign {id} {upn}`';

async function assigneeNamed(args: readonly string[], context: CommandContext): Promise<string> {
  if (context.mentions.length > 1) throw new BadInputError(`Name one person, not ${context.mentions.length}. Type ${USAGE}.`);
  const mentioned = context.mentions[0];
  if (mentioned) {
    const upn = await context.upnOf(mentioned);
    if (!upn) throw new BadInputError(`Teams did not give ${shown(mentioned.name)}'s user principal name. Type it instead: ${USAGE}.`);
    return upn;
  }
  const [who, ...rest] = args;
  if (!who) throw new BadInputError(`To whom? Type ${USAGE}.`);
  if (rest.length > 0) throw new BadInputError(`Name one person. Type ${USAGE}.`);
  if (who.toLowerCase() === 'me') {
    if (!context.actor.upn) throw new BadInputError('Teams did not say who you are (no user principal name). Type your own instead.');
    return context.actor.upn;
  }
  if (!who.includes('@')) throw new BadInputError(`I don't know who "${shown(who)}" is: @mention them or give their user principal name, such as adele.vance@contoso.com. Type ${USAGE}.`);
  return parseUpn(who);
}

export const assignCommand: Command = {
  name: 'assign',
  capability: 'act',
  what: 'assign an incident',
  usage: 'assign {id} me|@name|{upn}',
  description: 'Gives an incident to someone in Defender (its owner), and says so on its cards.',
  async handle(args, context) {
    const [first, ...rest] = args;
    const id = incidentIdSchema.safeParse(first?.replace(/^#/, ''));
    if (!id.success) throw new BadInputError(`Which incident? Type ${USAGE}, for example \`assign 2101 me\`.`);
    const assignee = await assigneeNamed(rest, context);
    context.audit.addDetail(`to ${assignee}`);
    const { incident } = await context.services.triage.assign(id.data, context.actor, assignee);
    await context.reply(`Incident ${incident.id} is now assigned to ${assignee} in Defender.`);
  },
};
