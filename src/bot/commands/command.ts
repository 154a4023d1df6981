/** A chat command: its name, how to use it, and what it does. */
import type { CommandContext } from '../services.js';

import type { Capability } from '../../auth/roles.js';

export interface Command {
  name: string;
  /** What the person must be allowed to do (checked before `handle`, so a refusal reaches no Graph API); may depend on the arguments. */
  capability: Capability | ((args: readonly string[]) => Capability);
  /** Words for a refusal: "to {what} you need …". */
  what: string;
  usage: string;
  description: string;
  handle(args: string[], context: CommandContext): Promise<void>;
}
