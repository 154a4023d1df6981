/** Microsoft's own Adaptive Cards parser, to prove a card parses as Teams would parse it. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ParseEvent {
  phase: number;
  event: number;
  message: string;
}
interface AdaptiveCardsModule {
  AdaptiveCard: new () => { parse(json: unknown, context: unknown): void };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): ParseEvent };
}

let module: AdaptiveCardsModule | undefined;

/** Every warning or error the parser reports for this card (empty when it is clean). */
export function adaptiveCardProblems(card: unknown): string[] {
  module ??= require('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsModule;
  const context = new module.SerializationContext();
  new module.AdaptiveCard().parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  return problems;
}

/** Every Action.Execute verb anywhere in a card (including inside ShowCard cards). */
export function verbsIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) verbsIn(item, found);
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.type === 'Action.Execute' && typeof record.verb === 'string') found.add(record.verb);
    for (const value of Object.values(record)) verbsIn(value, found);
  }
  return found;
}
