/** A chat command: its name, how to use it, and what it does. */
import type { CommandContext } from '../services.js';

export interface Command {
  name: string;
  usage: string;
  description: string;
  handle(args: string[], context: CommandContext): Promise<void>;
}
