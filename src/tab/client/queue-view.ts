/**
 * The queue: open IRM incidents with filters (severity, status, user) and the orders the chat's
 * `incidents` offers too. A click on a row, or Enter on it, opens the incident's card: in Teams as
 * a Teams dialog (the incident page), elsewhere in a dialog drawn here; its buttons work as in Teams.
 */
import { ApiError, type QueueItem, type QueueOrder, type Session, type TabApi } from './api.js';
import { h, replace } from './dom.js';
import type { Host } from './host.js';
import { ageText, queueSummary } from './format.js';
import { incidentPane } from './incident-pane.js';

const REFRESH_MS = 60_000;

export function showQueue(root: HTMLElement, api: TabApi, host: Host, session: Session, banner: (message: string | null, kind?: 'error' | 'info') => void): void {
  const state = { severity: new Set<string>(), status: new Set<string>(), user: '', sort: 'oldest' as QueueOrder, selected: null as string | null };
  const summary = h('p', { className: 'muted', id: 'queue-summary' });
  const body = h('tbody');
  const detail = h('section', { className: 'detail', id: 'detail', 'aria-label': 'Incident' });
  const dialogTitle = h('h2', { id: 'incident-dialog-title' }, 'Incident');
  const dialog = h(
    'dialog',
    { className: 'incident-dialog', id: 'incident-dialog', 'aria-labelledby': 'incident-dialog-title' },
    h('div', { className: 'dialog-head' }, dialogTitle, h('button', { type: 'button', id: 'close-incident', onclick: () => dialog.close() }, 'Close')),
    detail,
  );
  // Closing (Close, Escape) gives the keyboard back to the row it came from.
  dialog.addEventListener('close', () => {
    if (state.selected) body.querySelector<HTMLElement>(`tr[data-incident="${CSS.escape(state.selected)}"]`)?.focus();
  });
  // A button's answer in words shows in the dialog, where the analyst is looking.
  const paneBanner = (message: string | null, kind: 'error' | 'info' = 'error') => {
    if (!dialog.open || !message) return banner(message, kind);
    detail.prepend(h('p', { className: kind, role: kind === 'error' ? 'alert' : 'status' }, message));
  };
  const pane = incidentPane(detail, api, host, paneBanner, () => void load());

  const checkboxes = (name: 'severity' | 'status', legend: string) =>
    h(
      'fieldset',
      { className: 'filter' },
      h('legend', {}, legend),
      session.filters[name].map((option) =>
        h(
          'label',
          {},
          h('input', {
            type: 'checkbox',
            name,
            value: option.value,
            onchange: (e: Event) => {
              const box = e.target as HTMLInputElement;
              if (box.checked) state[name].add(option.value);
              else state[name].delete(option.value);
              void load();
            },
          }),
          ` ${option.title}`,
        ),
      ),
    );
  let typing: number | undefined;
  const userBox = h('input', {
    type: 'search',
    id: 'user-filter',
    placeholder: 'Name or UPN',
    maxLength: 200,
    oninput: (e: Event) => {
      state.user = (e.target as HTMLInputElement).value.trim();
      window.clearTimeout(typing);
      typing = window.setTimeout(() => void load(), 300);
    },
  });
  const sortSelect = h(
    'select',
    {
      id: 'sort',
      onchange: (e: Event) => {
        state.sort = (e.target as HTMLSelectElement).value === 'newest' ? 'newest' : 'oldest';
        void load();
      },
    },
    session.filters.sort.map((o) => h('option', { value: o.value }, o.title)),
  );
  const ageHeader = h('th', { scope: 'col', className: 'col-age', 'aria-sort': 'descending' }, h('button', { className: 'link', type: 'button', onclick: () => ((sortSelect.value = state.sort = state.sort === 'oldest' ? 'newest' : 'oldest'), void load()) }, 'Age'));

  replace(
    root,
    h(
      'div',
      { className: 'queue-layout' },
      h(
        'section',
        { className: 'queue', 'aria-label': 'Open incidents' },
        h(
          'form',
          { className: 'filters', onsubmit: (e: Event) => e.preventDefault() },
          checkboxes('severity', 'Severity'),
          checkboxes('status', 'Status'),
          h('label', { className: 'filter' }, 'User ', userBox),
          h('label', { className: 'filter' }, 'Sort ', sortSelect),
          h('button', { type: 'button', id: 'refresh', onclick: () => void load() }, 'Refresh'),
        ),
        summary,
        h(
          'table',
          { className: 'grid', id: 'queue' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                ['Severity', 'col-severity'],
                ['Incident', 'col-title'],
                ['User at risk', 'col-user'],
                ['Alerts from', 'col-sources'],
                ['Status', 'col-status'],
              ].map(([t, c]) => h('th', { scope: 'col', className: c }, t)),
              ageHeader,
              h('th', { scope: 'col', className: 'col-assigned' }, 'Assigned to'),
            ),
          ),
          body,
        ),
      ),
      dialog,
    ),
  );

  /** Opens the incident: a Teams dialog in Teams, this page's own dialog elsewhere. */
  function openIncident(item: QueueItem): void {
    state.selected = item.incidentId;
    for (const tr of body.querySelectorAll('tr')) tr.classList.toggle('selected', tr.getAttribute('data-incident') === item.incidentId);
    const page = { url: `${location.origin}/tab/incident.html?id=${encodeURIComponent(item.incidentId)}`, title: `Incident ${item.incidentId}: ${item.title}`.slice(0, 120) };
    if (host.openDialog(page, () => void load())) return;
    dialogTitle.textContent = page.title;
    if (!dialog.open) dialog.showModal();
    void pane.open(item.incidentId);
  }

  // The whole row opens the incident, by a click or Enter on the focused row: one tab stop a row.
  const row = (item: QueueItem) =>
    h(
      'tr',
      {
        'data-incident': item.incidentId,
        tabIndex: 0,
        'aria-label': `${item.severityWord} severity, ${item.title}, incident ${item.incidentId}: open`,
        className: item.incidentId === state.selected ? 'selected' : '',
        onclick: () => openIncident(item),
        onkeydown: (e: KeyboardEvent) => {
          if (e.key === 'Enter' && e.target === e.currentTarget) {
            e.preventDefault();
            openIncident(item);
          }
        },
      },
      h('td', { className: 'col-severity' }, h('span', { className: `sev sev-${item.severity}` }, item.severityWord)),
      h('td', { className: 'col-title' }, h('span', { className: 'row-title' }, item.title), h('div', { className: 'muted small' }, `Incident ${item.incidentId}`)),
      h('td', { className: 'col-user' }, item.user),
      h('td', { className: 'col-sources' }, item.sources.map((s) => h('span', { className: s.irm ? 'chip irm' : 'chip' }, `${s.count} ${s.name}`))),
      h('td', { className: 'col-status' }, h('div', {}, `Defender: ${item.defenderStatus}`), h('div', {}, `IRM: ${item.irmStatus}`)),
      h('td', { className: 'col-age', title: `Started ${new Date(item.startedDateTime).toLocaleString()}` }, ageText(item.startedDateTime)),
      h('td', { className: 'col-assigned' }, item.assignedTo ?? 'Unassigned'),
    );

  let generation = 0;
  async function load(): Promise<void> {
    const mine = ++generation;
    const query = new URLSearchParams({ sort: state.sort });
    if (state.severity.size) query.set('severity', [...state.severity].join(','));
    if (state.status.size) query.set('status', [...state.status].join(','));
    if (state.user) query.set('user', state.user);
    ageHeader.setAttribute('aria-sort', state.sort === 'oldest' ? 'descending' : 'ascending');
    try {
      const queue = await api.queue(query);
      if (mine !== generation) return;
      if (queueFailed) banner(null);
      queueFailed = false;
      // The refresh redraws the rows: keep the keyboard where it was.
      const focused = (document.activeElement?.closest('tr[data-incident]') as HTMLElement | null)?.dataset.incident;
      replace(body, queue.items.length ? queue.items.map(row) : [h('tr', {}, h('td', { colSpan: 7, className: 'muted' }, 'No open incident matches these filters.'))]);
      if (focused) body.querySelector<HTMLElement>(`tr[data-incident="${CSS.escape(focused)}"]`)?.focus();
      summary.textContent = queueSummary(queue.items.length, state.severity.size > 0 || state.status.size > 0 || state.user !== '', queue.truncated ? { scanned: queue.scanned, oldest: state.sort === 'oldest' } : null);
    } catch (err) {
      if (mine !== generation) return;
      queueFailed = true;
      banner(err instanceof ApiError ? err.message : 'The queue could not be loaded.');
    }
  }
  let queueFailed = false;

  void load();
  window.setInterval(() => {
    if (document.visibilityState === 'visible') void load();
  }, REFRESH_MS);
}
