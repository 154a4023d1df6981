/**
 * A stand-in for the Teams client around a tab: a page that frames the tab and answers what
 * teams-js asks its host over postMessage (initialize, getContext, authentication.getAuthToken),
 * recording every call (`window.__teamsCalls`, with their arguments in `window.__teamsArgs`), and
 * tells it of theme changes (`window.__setTheme`). A dialog the tab opens (`tasks.startTask`, what
 * teams-js' dialog.url.open sends) stays open until `window.__closeDialog()`, which answers as
 * Teams does when the user closes one. teams-js accepts a host on the tab's own origin, so tests serve this page
 * (through Playwright routing) at a path on the bot's origin.
 */

/** Where teams-js, started in Teams, reads the list of Teams' own domains (Microsoft's CDN). */
export const TEAMS_JS_VALID_DOMAINS_URL = 'https://res.cdn.office.net/teams-js/validDomains/json/validDomains.json';

/**
 * The answer to that request from this machine (for `route.fulfill`), so the tests need no
 * internet and the tab logs no failed load: in Teams the CDN answers it. A short list in the
 * CDN's format (teams-js falls back to a built-in one when the request fails; the stand-in host
 * is on the tab's own origin, which teams-js accepts either way).
 */
export const TEAMS_JS_VALID_DOMAINS_ANSWER = {
  status: 200,
  contentType: 'application/json',
  headers: { 'access-control-allow-origin': '*' },
  body: JSON.stringify({ validOrigins: ['teams.microsoft.com', 'teams.microsoft.us', 'teams.live.com', '*.cloud.microsoft', 'outlook.office.com', 'www.office.com'] }),
};

export interface TeamsHostOptions {
  /** The tab page to frame (same origin as the host page). */
  tabPath: string;
  theme: 'default' | 'dark' | 'contrast';
  user: { name: string; upn: string; oid: string; tid: string };
  /** What getAuthToken answers: a token, or a failure reason. */
  token: { ok: true; value: string } | { ok: false; reason: string };
}

export function teamsHostPage(options: TeamsHostOptions): string {
  const config = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Teams (test host)</title></head>
<body style="margin:0">
<iframe id="tab" src="${options.tabPath}" style="border:0;width:100vw;height:100vh"></iframe>
<script>
const config = ${config};
window.__teamsCalls = [];
window.__teamsArgs = [];
let openDialog = null;
const runtime = JSON.stringify({ apiVersion: 4, isLegacyTeams: false, supports: { app: {}, appEntity: {}, pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} }, dialog: { url: {}, update: {} }, teamsCore: {} } });
const context = {
  theme: config.theme, locale: 'en-us', frameContext: 'content', hostClientType: 'web', entityId: 'insider-risk-queue',
  userPrincipalName: config.user.upn, loginHint: config.user.upn, userObjectId: config.user.oid, tid: config.user.tid,
  userDisplayName: config.user.name, appSessionId: 'session-1', hostName: 'Teams',
};
const answers = {
  initialize: () => ['content', 'web', runtime, '2.0.0'],
  getContext: () => [context],
  'authentication.getAuthToken': () => (config.token.ok ? [true, config.token.value] : [false, config.token.reason]),
};
/** The user closing the dialog: Teams answers startTask with an error string and no result. */
window.__closeDialog = () => {
  if (!openDialog) return false;
  document.getElementById('tab').contentWindow.postMessage({ ...openDialog, args: ['User cancelled/closed the task module.', undefined] }, location.origin);
  openDialog = null;
  return true;
};
/** Teams telling the tab the user picked another theme. */
window.__setTheme = (theme) => document.getElementById('tab').contentWindow.postMessage({ func: 'themeChange', args: [theme] }, location.origin);
window.addEventListener('message', (event) => {
  const frame = document.getElementById('tab').contentWindow;
  if (event.source !== frame || !event.data || typeof event.data.func !== 'string') return;
  window.__teamsCalls.push(event.data.func);
  window.__teamsArgs.push({ func: event.data.func, args: event.data.args });
  if (event.data.func === 'tasks.startTask') openDialog = { id: event.data.id, uuidAsString: event.data.uuidAsString };
  const answer = answers[event.data.func];
  if (!answer) return;
  frame.postMessage({ id: event.data.id, uuidAsString: event.data.uuidAsString, args: answer() }, location.origin);
});
</script>
</body></html>`;
}
