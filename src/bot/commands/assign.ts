/**
 * `assign {id} me|@name|{upn}`: give an incident to someone, written to Defender's incident and its
 * IRM alerts (`assignedTo`, which Defender shows as the owner: an email address). A person named
 * by @mention is assigned by the UPN Teams gives for them.
 */
import { BadInputError } from '../../errors.js';
import { shown } from '../../oncall/schedule.js';
import { personNamed } from './people.js';
import { incidentIdSchema } from '../actions/action.js';
import type { CommandContext } from '../services.js';
import type { Command } from './command.js';

const USAGE = '`assign {id} me`, `assign {id} @name` or `assign {id} {upn}`';

/**
 * The assignee's UPN (Defender's owner is an email address): as typed, or asked of Teams for a
 * person named by @mention (or `me`, when Teams did not give the clicker's UPN with the message).
 */
async function assigneeNamed(args: readonly string[], context: CommandContext): Promise<string> {
  const person = personNamed(args, context, USAGE);
  if (person.upn.includes('@')) return person.upn;
  const upn = person.teamsId ? await context.upnOf({ id: person.teamsId, name: person.name ?? '' }) : undefined;
  if (!upn) throw new BadInputError(`Teams did not give ${shown(person.name ?? 'their')}'s user principal name. Type it instead: ${USAGE}.`);
  return upn;
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
