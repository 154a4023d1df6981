/**
 * `oncall`: who is on call, the rotation, the escalation contact, and the thresholds.
 *
 * A person named by @mention has a Teams id, a name and usually an Entra object id, but no UPN;
 * their contact's `upn` then holds the Entra object id (Graph accepts it wherever a UPN goes),
 * or the Teams id when even that is missing. Mentions use the Teams id first in any case.
 */
import { BadInputError } from '../../errors.js';
import { cronFor, describeContact, parseRotation, shown } from '../../oncall/schedule.js';
import { contactFromMention, personNamed } from './people.js';
import { MENTION_SEVERITIES, OnCallService } from '../../oncall/service.js';
import { closest } from '../../util/closest.js';
import type { Command } from './command.js';

const SUBCOMMANDS = ['set', 'rotation', 'escalation', 'off', 'threshold', 'remind'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const USAGE = {
  set: '`oncall set @name` or `oncall set {upn}` (or `me`)',
  rotation: '`oncall rotation {upn},{upn},… every day|week at HH:MM` (UTC; weekly hand-overs on Mondays)',
  escalation: '`oncall escalation @name` or `oncall escalation {upn}` (`oncall escalation none` clears it)',
  off: '`oncall off`',
  threshold: '`oncall threshold low|medium|high`',
  remind: '`oncall remind {minutes} escalate {minutes}`',
} satisfies Record<Subcommand, string>;

function parseMinutes(value: string | undefined, what: string): number {
  const match = /^(\d{1,6})\s*(?:m|mins?|minutes?)?$/i.exec(value ?? '');
  if (!match) throw new BadInputError(`${what} must be a whole number of minutes, such as 15, not "${shown(value ?? '')}". Type ${USAGE.remind}.`);
  return Number(match[1]);
}

const when = (date: Date): string => {
  const day = date.toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });
  return `${day} ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};

export async function describeOnCall(service: OnCallService): Promise<string> {
  const state = await service.state();
  const onCall = await service.current();
  const lines: string[] = [];
  if (!onCall) {
    lines.push('**On call:** nobody. New incidents mention no one and get no reminders. Type `oncall set @name` or set up a rotation.');
  } else {
    const how = (await service.isOverride()) ? (state.rotation ? ' (set by hand, until the next hand-over)' : ' (set by hand)') : state.rotation ? ' (by the rotation)' : '';
    lines.push(`**On call:** ${describeContact(onCall)}${how}`);
  }
  if (state.rotation) {
    const next = await service.nextHandover();
    const members = state.rotation.members.map(describeContact).join(', ');
    const handover = next ? `; next hand-over ${when(next.at)} to ${describeContact(next.to)}` : '';
    lines.push(`**Rotation:** ${members}, every ${state.rotation.every === 'week' ? 'week (Mondays)' : 'day'} at ${state.rotation.at} UTC (cron \`${cronFor(state.rotation)}\`)${handover}.`);
  } else {
    lines.push('**Rotation:** none.');
  }
  const escalation = await service.escalationContact();
  if (state.escalation) lines.push(`**Escalation:** ${describeContact(state.escalation)}.`);
  else if (escalation) lines.push(`**Escalation:** none set; escalations go to the rotation's next member, now ${describeContact(escalation)}.`);
  else lines.push('**Escalation:** nobody. Type `oncall escalation @name`.');
  const { mentionMinSeverity, remindAfterMinutes, escalateAfterMinutes } = await service.settings();
  const severity = mentionMinSeverity.charAt(0).toUpperCase() + mentionMinSeverity.slice(1);
  lines.push(
    `**Thresholds:** new incidents of ${severity} severity${mentionMinSeverity === 'high' ? '' : ' and above'} mention the on-call analyst; one still New after ${remindAfterMinutes} minutes gets a reminder, and ${escalateAfterMinutes} minutes later an escalation.`,
  );
  return lines.join('\n\n');
}

export const oncallCommand: Command = {
  name: 'oncall',
  // Anyone may ask who is on call; changing it is a Security Operator's call.
  capability: (args) => (args.length === 0 ? 'anyone' : 'act'),
  what: 'change who is on call',
  usage: 'oncall [set|rotation|escalation|off|threshold|remind …]',
  description:
    'Who is on call. `oncall set @name` puts someone on call; `oncall rotation {upn},{upn} every day|week at 09:00` rotates (UTC); `oncall escalation @name` names who hears of incidents nobody picked up; `oncall off` clears it all; `oncall threshold` and `oncall remind` tune mentions and reminders.',
  async handle(args, context) {
    const service = context.services.oncall;
    const [first, ...rest] = args;
    if (!first) {
      if (context.mentions.length > 0) throw new BadInputError(`Did you mean \`oncall set @${shown(context.mentions[0]!.name)}\`? Type ${USAGE.set}.`);
      await context.reply(await describeOnCall(service));
      return;
    }
    const sub = SUBCOMMANDS.find((s) => s === first.toLowerCase());
    if (!sub) {
      if (first.includes('@')) throw new BadInputError(`Did you mean \`oncall set ${shown(first)}\`? Type ${USAGE.set}.`);
      const near = closest(first, SUBCOMMANDS);
      const hint = near ? `Did you mean \`oncall ${near}\`? ` : '';
      throw new BadInputError(`\`oncall ${shown(first)}\` is not an oncall command. ${hint}Type \`oncall\` alone to see who is on call, or one of: ${SUBCOMMANDS.map((s) => USAGE[s]).join('; ')}.`);
    }
    // Each change is recorded as `oncall.{what}` with its target (asking who is on call, as the command).
    const audit = (action: string, target?: string) => context.audit.note({ action: `oncall.${action}`, target });

    switch (sub) {
      case 'set': {
        if (rest.length === 1 && /^(none|nobody|off)$/i.test(rest[0]!) && context.mentions.length === 0) {
          await service.set(null);
          audit('set', 'nobody');
          await context.reply(`Nobody is set on call by hand now.\n\n${await describeOnCall(service)}`);
          return;
        }
        const contact = await service.set(personNamed(rest, context, USAGE.set));
        audit('set', contact.upn);
        const until = await service.nextHandover();
        const note = until ? ` until the rotation's next hand-over (${when(until.at)})` : '';
        await context.reply(`${describeContact(contact)} is on call now${note}.`);
        return;
      }
      case 'rotation': {
        const spec = parseRotation(rest, context.mentions.map(contactFromMention));
        const rotation = await service.setRotation(spec);
        audit('rotation', rotation.members.map((m) => m.upn).join(','));
        await context.reply(`Rotation set.\n\n${await describeOnCall(service)}`);
        return;
      }
      case 'escalation': {
        if (rest.length === 1 && /^(none|nobody|off)$/i.test(rest[0]!) && context.mentions.length === 0) {
          await service.setEscalation(null);
          audit('escalation', 'nobody');
          await context.reply(`Escalation contact cleared.\n\n${await describeOnCall(service)}`);
          return;
        }
        const contact = await service.setEscalation(personNamed(rest, context, USAGE.escalation));
        audit('escalation', contact.upn);
        await context.reply(`Incidents still New ${(await service.settings()).escalateAfterMinutes} minutes after their reminder now escalate to ${describeContact(contact)}.`);
        return;
      }
      case 'off': {
        if (rest.length > 0) throw new BadInputError(`\`oncall off\` takes nothing after it; it clears the on-call analyst, the rotation and the escalation contact.`);
        await service.off();
        audit('off');
        await context.reply('On call cleared: nobody is on call, there is no rotation and no escalation contact. New incidents mention no one and get no reminders.');
        return;
      }
      case 'threshold': {
        const [severity, ...extra] = rest;
        if (!severity || extra.length > 0) throw new BadInputError(`The threshold must be one of ${MENTION_SEVERITIES.join(', ')}. Type ${USAGE.threshold}.`);
        const { mentionMinSeverity } = await service.configure({ mentionMinSeverity: severity });
        audit('threshold', mentionMinSeverity);
        await context.reply(`New incidents of ${mentionMinSeverity} severity${mentionMinSeverity === 'high' ? '' : ' and above'} now mention the on-call analyst and get reminders.`);
        return;
      }
      case 'remind': {
        const [remind, keyword, escalate, ...extra] = rest;
        if (!remind || extra.length > 0 || (keyword !== undefined && (keyword.toLowerCase() !== 'escalate' || escalate === undefined))) {
          throw new BadInputError(`Type ${USAGE.remind}, for example \`oncall remind 15 escalate 30\`.`);
        }
        const { remindAfterMinutes, escalateAfterMinutes } = await service.configure({
          remindAfterMinutes: parseMinutes(remind, 'The reminder delay'),
          ...(escalate !== undefined ? { escalateAfterMinutes: parseMinutes(escalate, 'The escalation delay') } : {}),
        });
        audit('remind', `${remindAfterMinutes}/${escalateAfterMinutes}`);
        await context.reply(`Incidents still New get a reminder after ${remindAfterMinutes} minutes and an escalation ${escalateAfterMinutes} minutes after that.`);
        return;
      }
    }
  },
};
