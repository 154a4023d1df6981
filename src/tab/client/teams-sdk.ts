/** The parts of teams-js the tab uses, imported lazily by host.ts: outside Teams it is never started. */
export { app, authentication, dialog, DialogDimension } from '@microsoft/teams-js';
