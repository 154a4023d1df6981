/**
 * An incident's card in the tab, drawn by the Adaptive Cards renderer; its buttons work as in
 * Teams. The same pane serves the queue's in-page dialog and the incident page Teams opens as a
 * dialog.
 */
import { ApiError, type TabApi } from './api.js';
import { renderCard } from './card.js';
import { h, replace } from './dom.js';
import type { Host } from './host.js';

export interface IncidentPane {
  open(incidentId: string): Promise<void>;
}

/**
 * `changed` is called after each action (the queue reloads); `banner` shows a message a button
 * answered with.
 */
export function incidentPane(detail: HTMLElement, api: TabApi, host: Host, banner: (message: string | null, kind?: 'error' | 'info') => void, changed: () => void): IncidentPane {
  /** The card shown, and which request may still draw into the pane (a later choice wins). */
  let shown: { incidentId: string; card: Record<string, unknown>; message?: string } | null = null;
  let generation = 0;

  async function open(incidentId: string): Promise<void> {
    const mine = ++generation;
    shown = null;
    replace(detail, h('p', { className: 'muted' }, 'Loading…'));
    try {
      const { card } = await api.incident(incidentId);
      if (mine === generation) showCard(incidentId, card);
    } catch (err) {
      if (mine === generation) replace(detail, h('p', { className: 'error', role: 'alert' }, err instanceof ApiError ? err.message : 'The incident could not be loaded.'));
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
          const mine = generation;
          try {
            const answer = await api.action(verb, data);
            if (mine === generation) {
              if ('card' in answer) showCard(incidentId, answer.card);
              else {
                detail.removeAttribute('aria-busy');
                banner(answer.message, 'info');
              }
            }
            changed();
          } catch (err) {
            if (mine === generation) showCard(incidentId, card, err instanceof ApiError ? err.message : 'The action failed.');
          }
        },
        openUrl: (url) => host.openLink(url),
      }),
    );
  }

  // A new theme redraws the card as it is (a half-written comment is lost, but nothing is fetched or audited again).
  host.onThemeChange(() => {
    if (shown) showCard(shown.incidentId, shown.card, shown.message);
  });
  return { open };
}

/** The incident page (`/tab/incident.html?id=…`): what Teams shows in the dialog a queue row opens. */
export function showIncidentPage(root: HTMLElement, api: TabApi, host: Host, incidentId: string | null, banner: (message: string | null, kind?: 'error' | 'info') => void): void {
  if (!incidentId) return banner('No incident was named: open one from the Insider risk queue.');
  const detail = h('section', { className: 'detail', id: 'detail', 'aria-label': `Incident ${incidentId}` });
  replace(root, detail);
  void incidentPane(detail, api, host, banner, () => undefined).open(incidentId);
}
