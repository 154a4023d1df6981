import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/bot/commands/parse.js';
import { closest } from '../../src/util/closest.js';

describe('chat command parsing', () => {
  it.each([
    ['help', 'help', []],
    ['/help', 'help', []],
    ['<at>IRM Triage</at> incident 2101', 'incident', ['2101']],
    ['<p><at>IRM</at>&nbsp;/incidents</p>', 'incidents', []],
    ['INCIDENT\u00a0#2101', 'incident', ['#2101']],
    ['hunt uploads user=\u201cadele vance\u201d', 'hunt', ['uploads', 'user=adele vance']],
    ["hunt user-activity user=o'brien@contoso.com", 'hunt', ['user-activity', "user=o'brien@contoso.com"]],
  ])('%j → %s %j', (text, name, args) => {
    expect(parseCommand(text)).toEqual({ name, args });
  });

  it('ignores empty and mention-only messages', () => {
    expect(parseCommand('   ')).toBeNull();
    expect(parseCommand('<at>IRM Triage</at>')).toBeNull();
  });

  it('suggests a close command', () => {
    expect(closest('incidnts', ['help', 'incidents', 'incident'])).toBe('incidents');
    expect(closest('zzzzzz', ['help', 'incidents'])).toBeUndefined();
  });
});
