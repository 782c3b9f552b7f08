// Agency: my unit's open tasks, soonest due first; late ones highlighted. Paged with the server's
// cursor and filtered on the server (code or procedure).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty, busy } from '../ui.js';
import { timeEl } from '../format.js';
import { me } from '../session.js';
import { unitLabel } from '../levels.js';

export async function render(view) {
  const list = h('div');
  const refresh = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'refresh-tasks' }, t('action.refresh'));
  const PAGE = 50;
  const search = h('input', { type: 'search', id: 'tasks-q', 'aria-label': t('list.filter'), placeholder: t('list.filter') });
  const filter = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); load(); } }, search, h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('action.search')));
  const byDue = (list) => [...list].sort((a, b) => String(a.due_at || '').localeCompare(String(b.due_at || '')));
  const row = (task) => h('tr', { class: task.late ? 'is-late' : '' },
    h('td', { 'data-label': t('dossier.code') }, h('strong', { class: 'code' }, task.code || '')),
    h('td', { 'data-label': t('dossier.procedure') }, task.procedure_name || task.procedure_code || ''),
    h('td', { 'data-label': t('task.step') }, task.step_name || task.step_id),
    h('td', { 'data-label': t('task.dueAt') }, timeEl(task.due_at), task.late && h('span', { class: 'badge badge-late' }, t('task.late'))),
    h('td', {}, h('a', { href: `#/agency/${encodeURIComponent(task.dossier_id)}?step=${encodeURIComponent(task.step_id)}`, class: 'btn btn-small' }, t('agency.open'))));
  const load = () => loadInto(list, () => get('/api/agency/tasks', { q: search.value.trim(), limit: PAGE }), (body) => {
    const items = byDue(listOf(body).items);
    if (!items.length) return replace(list, empty(t('agency.none')));
    let cursor = listOf(body).next;
    const tbody = h('tbody', {}, items.map(row));
    const more = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'tasks-more', hidden: !cursor }, t('dash.more'));
    more.addEventListener('click', () => busy(more, async () => {
      const page = listOf(await get('/api/agency/tasks', { q: search.value.trim(), limit: PAGE, cursor }));
      tbody.append(...byDue(page.items).map(row));
      cursor = page.next;
      more.hidden = !cursor;
    }));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'agency-tasks' },
      h('caption', { class: 'sr-only' }, t('agency.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('dossier.code')),
        h('th', { scope: 'col' }, t('dossier.procedure')),
        h('th', { scope: 'col' }, t('task.step')),
        h('th', { scope: 'col' }, t('task.dueAt')),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))))),
      tbody)), h('div', { class: 'btn-row' }, more));
  });
  refresh.addEventListener('click', load);
  const unit = me()?.unit;
  view.append(pageTitle(t('agency.title'), h('p', { class: 'muted' }, unit ? [`${t('common.unit')}: `, unitLabel(unit, me()?.unit_name)] : '', ' ', refresh)), filter, list);
  await load();
}
