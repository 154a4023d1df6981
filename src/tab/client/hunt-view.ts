/** A hunting result in full: every row, every column, sortable, and a CSV download. */
import { ApiError, type HuntView, type TabApi } from './api.js';
import { toCsv } from './csv.js';
import { h, replace } from './dom.js';
import { cellText, compareCells } from './format.js';

export async function showHunt(root: HTMLElement, api: TabApi, resultId: string | null, banner: (message: string | null) => void): Promise<void> {
  if (!resultId || !/^[0-9a-fA-F-]{36}$/.test(resultId)) {
    banner('This page shows a hunting result: open it from a result card’s Show all button.');
    replace(root);
    return;
  }
  let view: HuntView;
  try {
    view = await api.hunt(resultId);
  } catch (err) {
    banner(err instanceof ApiError ? err.message : 'The result could not be loaded.');
    replace(root);
    return;
  }
  const columns = view.columns.map((c) => c.name);
  let sort: { column: string; descending: boolean } | null = null;
  const body = h('tbody');
  const headers = columns.map((name) =>
    h('th', { scope: 'col', 'aria-sort': 'none' }, h('button', { type: 'button', className: 'link', onclick: () => sortBy(name) }, name), h('span', { className: 'sort-mark', 'aria-hidden': 'true' })),
  );

  function rows(): Record<string, unknown>[] {
    if (!sort) return view.rows;
    const { column, descending } = sort;
    return [...view.rows].sort((a, b) => (descending ? -1 : 1) * compareCells(a[column], b[column]));
  }
  function draw(): void {
    replace(body, rows().map((row) => h('tr', {}, columns.map((c) => h('td', {}, cellText(row[c]))))));
    const current: { column: string; descending: boolean } | null = sort;
    headers.forEach((th, i) => {
      const order = current && current.column === columns[i] ? (current.descending ? 'descending' : 'ascending') : 'none';
      th.setAttribute('aria-sort', order);
      th.querySelector('.sort-mark')!.textContent = order === 'ascending' ? '▲' : order === 'descending' ? '▼' : '';
    });
  }
  function sortBy(column: string): void {
    sort = sort?.column === column ? { column, descending: !sort.descending } : { column, descending: false };
    draw();
  }
  function download(): void {
    const blob = new Blob([toCsv(columns, rows())], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: `hunt-${view.queryName}-${view.ranAt.slice(0, 10)}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  const parameters = Object.entries(view.parameters).map(([k, v]) => `${k}=${String(v)}`).join(' · ') || 'defaults';
  replace(
    root,
    h('header', { className: 'hunt-head' }, h('h1', {}, `hunt ${view.queryName}`), h('p', {}, view.description), h('p', { className: 'muted' }, `${parameters} · ran ${new Date(view.ranAt).toLocaleString()}`)),
    h(
      'div',
      { className: 'toolbar' },
      h('span', { id: 'row-count' }, `${view.total} row${view.total === 1 ? '' : 's'}${view.truncated ? ` (showing the first ${view.rows.length}; Advanced hunting has them all)` : ''}`),
      h('button', { type: 'button', id: 'download-csv', onclick: download, disabled: view.rows.length === 0 }, 'Download CSV'),
    ),
    h('details', {}, h('summary', {}, 'KQL'), h('pre', {}, view.kql)),
    h('div', { className: 'scroll' }, h('table', { className: 'grid', id: 'hunt-table' }, h('thead', {}, h('tr', {}, headers)), body)),
  );
  draw();
}
