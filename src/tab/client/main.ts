/** The tab's entry point: connect to Teams (or not), open a session with the bot, show the page. */
import { ApiError, TabApi } from './api.js';
import { h, replace } from './dom.js';
import { applyTheme, connectHost } from './host.js';
import { showHunt } from './hunt-view.js';
import { showIncidentPage } from './incident-pane.js';
import { showQueue } from './queue-view.js';

async function main(): Promise<void> {
  const app = document.getElementById('app')!;
  const host = await connectHost();
  applyTheme(host.theme);
  host.onThemeChange(applyTheme);
  const api = new TabApi(host);

  const bannerBox = h('div', { id: 'banner' });
  const where = h('p', { className: 'where muted', id: 'where' });
  const content = h('div', { id: 'content' });
  const page = document.body.dataset.page === 'hunt' || document.body.dataset.page === 'incident' ? document.body.dataset.page : 'queue';
  const heading = { hunt: 'Hunting result', incident: 'Insider risk incident', queue: 'Insider risk queue' }[page];
  replace(app, h('header', { className: 'top' }, h('h1', {}, heading), where), bannerBox, content);
  const banner = (message: string | null, kind: 'error' | 'info' = 'error') => replace(bannerBox, message ? h('p', { className: kind, role: kind === 'error' ? 'alert' : 'status' }, message) : null);

  let session;
  try {
    session = await api.session();
  } catch (err) {
    const message = err instanceof ApiError ? err.message : 'The bot could not be reached.';
    where.textContent = host.inTeams ? 'In Microsoft Teams' : 'Outside Microsoft Teams';
    banner(host.inTeams ? message : `${message} Open the Insider risk queue tab in Microsoft Teams to sign in.`);
    return;
  }
  where.textContent = host.inTeams
    ? `Signed in as ${session.user.name}`
    : `Outside Microsoft Teams: demo mode, signed in as the demo user ${session.user.name}. In Teams, the tab signs you in with your Teams account.`;

  if (page === 'hunt') {
    if (!session.may.hunt) return banner(`${session.user.name} may not see hunting results: that needs a Defender role and the Insider Risk Management Analyst or Investigator role.`);
    await showHunt(content, api, new URLSearchParams(location.search).get('result'), banner);
    return;
  }
  if (!session.may.read) return banner(`${session.user.name} may not see insider-risk incidents: that needs a Defender role (Security Reader or Security Operator) and an Insider Risk Management role.`);
  if (page === 'incident') return showIncidentPage(content, api, host, new URLSearchParams(location.search).get('id'), banner);
  showQueue(content, api, host, session, banner);
}

void main().catch((err: unknown) => {
  const app = document.getElementById('app');
  if (app) replace(app, h('p', { className: 'error', role: 'alert' }, `The tab could not start: ${err instanceof Error ? err.message : String(err)}`));
});
