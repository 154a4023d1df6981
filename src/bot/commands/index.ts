/** Every chat command, in one place, looked up by name. */
import type { Command } from './command.js';
import { assignCommand } from './assign.js';
import { helpCommand } from './help.js';
import { huntCommand } from './hunt.js';
import { incidentCommand } from './incident.js';
import { incidentsCommand } from './incidents.js';
import { subscribeCommand, subscriptionsCommand, unsubscribeCommand } from './subscriptions.js';
import { oncallCommand } from './oncall.js';
import { summaryCommand } from './summary.js';
import { statusCommand } from './status.js';
import { userCommand } from './user.js';

export const COMMANDS: readonly Command[] = [helpCommand(() => COMMANDS), incidentsCommand, incidentCommand, huntCommand, userCommand, subscribeCommand, unsubscribeCommand, subscriptionsCommand, summaryCommand, oncallCommand, statusCommand, assignCommand];
export const commandsByName: ReadonlyMap<string, Command> = new Map(COMMANDS.map((c) => [c.name, c]));
