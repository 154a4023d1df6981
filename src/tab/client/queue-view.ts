/**
 * The queue: open IRM incidents with filters (severity, status, user) and a sort by age; choosing
 * one shows its card, whose buttons work as in Teams.
 */
import { ApiError, type QueueItem, type Session, type TabApi } from './api.js';
import { renderCard } from './card.js';
import { h, replace } from './dom.js';
import type { Host } from './host.js';
import { ageText, queueSummary } from './format.js';

const REFRESH_MS = 60_000;

export function showQueue(root: HTMLElement, api: TabApi, host: Host, session: Session, banner: (message: string | null, kind?: 'error' | 'info') => void): void {
  const state = { severity: new Set<string>(), status: new Set<string>(), user: '', sort: 'oldest' as 'oldest' | 'newest', selected: null as string | null };
  const summary = h('p', { className: 'muted', id: 'queue-summary' });
  const body = h('tbody');
  const detail = h('section', { className: 'detail', id: 'detail', 'aria-label': 'Incident' }, h('p', { className: 'muted' }, 'Choose an incident to see its card.'));

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
    h('option', { value: 'oldest' }, 'Oldest first'),
    h('option', { value: 'newest' }, 'Newest first'),
  );
  const ageHeader = h('th', { scope: 'col', 'aria-sort': 'descending' }, h('button', { className: 'link', type: 'button', onclick: () => ((sortSelect.value = state.sort = state.sort === 'oldest' ? 'newest' : 'oldest'), void load()) }, 'Age'));

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
            h('tr', {}, ...['Severity', 'Incident', 'User at risk', 'Alerts from', 'Status'].map((t) => h('th', { scope: 'col' }, t)), ageHeader, h('th', { scope: 'col' }, 'Assigned to')),
          ),
          body,
        ),
      ),
      detail,
    ),
  );

  const row = (item: QueueItem) =>
    h(
      'tr',
      { 'data-incident': item.incidentId, className: item.incidentId === state.selected ? 'selected' : '' },
      h('td', {}, h('span', { className: `sev sev-${item.severity}` }, item.severityWord)),
      h('td', { className: 'title' }, h('button', { className: 'link', type: 'button', onclick: () => void open(item.incidentId) }, item.title), h('div', { className: 'muted small' }, `Incident ${item.incidentId}`)),
      h('td', {}, item.user),
      h('td', {}, item.sources.map((s) => h('span', { className: s.irm ? 'chip irm' : 'chip' }, `${s.count} ${s.name}`))),
      h('td', { className: 'status' }, h('div', {}, `Defender: ${item.defenderStatus}`), h('div', {}, `IRM: ${item.irmStatus}`)),
      h('td', { className: 'nowrap', title: new Date(item.createdDateTime).toLocaleString() }, ageText(item.createdDateTime)),
      h('td', {}, item.assignedTo ?? 'Unassigned'),
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
      if (focused) body.querySelector<HTMLButtonElement>(`tr[data-incident="${CSS.escape(focused)}"] button`)?.focus();
      summary.textContent = queueSummary(queue.items.length, state.severity.size > 0 || state.status.size > 0 || state.user !== '', queue.truncated ? { scanned: queue.scanned, oldest: state.sort === 'oldest' } : null);
    } catch (err) {
      if (mine !== generation) return;
      queueFailed = true;
      banner(err instanceof ApiError ? err.message : 'The queue could not be loaded.');
    }
  }
  let queueFailed = false;

  /** The card shown, and which request may still draw into the pane (a later choice wins). */
  let shown: { incidentId: string; card: Record<string, unknown>; message?: string } | null = null;
  let detailGeneration = 0;

  async function open(incidentId: string): Promise<void> {
    const mine = ++detailGeneration;
    state.selected = incidentId;
    for (const tr of body.querySelectorAll('tr')) tr.classList.toggle('selected', tr.getAttribute('data-incident') === incidentId);
    replace(detail, h('p', { className: 'muted' }, 'Loading…'));
    try {
      const { card } = await api.incident(incidentId);
      if (mine === detailGeneration) showCard(incidentId, card);
    } catch (err) {
      if (mine === detailGeneration) replace(detail, h('p', { className: 'error', role: 'alert' }, err instanceof ApiError ? err.message : 'The incident could not be loaded.'));
    }
  }

  function showCard(incidentId: string, card: Record<string, unknown>, message?: string): void {
    shown = { incidentId, card, message };
    detail.removeAttribute('aria-busy');
    replace(
      detail,
      // A button may answer with another card (the user summary): the incident is always one click away.
      h('div', { className: 'detail-head' }, h('span', { className: 'muted' }, `Incident ${incidentId}`), h('button', { type: 'button', className: 'link', id: 'reload-incident', onclick: () => void open(incidentId) }, 'Reload')),
      message ? h('p', { className: 'error', role: 'alert' }, message) : null,
      renderCard(card, host.theme, {
        execute: async (verb, data) => {
          // One action at a time; the answer belongs to this incident only if it is still the one shown.
          if (detail.getAttribute('aria-busy') === 'true') return;
          detail.setAttribute('aria-busy', 'true');
          const mine = detailGeneration;
          try {
            const answer = await api.action(verb, data);
            if (mine === detailGeneration) {
              if ('card' in answer) showCard(incidentId, answer.card);
              else {
                detail.removeAttribute('aria-busy');
                banner(answer.message, 'info');
              }
            }
            await load();
          } catch (err) {
            if (mine === detailGeneration) showCard(incidentId, card, err instanceof ApiError ? err.message : 'The action failed.');
          }
        },
        openUrl: (url) => host.openLink(url),
      }),
    );
  }

  // A new theme redraws the card as it is (a half-written comment is lost, but nothing is fetched or audited again).
  host.onThemeChange(() => {
    if (shown && shown.incidentId === state.selected) showCard(shown.incidentId, shown.card, shown.message);
  });
  void load();
  window.setInterval(() => {
    if (document.visibilityState === 'visible') void load();
  }, REFRESH_MS);
}
