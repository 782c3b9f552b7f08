// Agency: my unit's open tasks, soonest due first; late ones highlighted.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty } from '../ui.js';
import { timeEl } from '../format.js';
import { me } from '../session.js';
import { unitLabel } from '../levels.js';

export async function render(view) {
  const list = h('div');
  const refresh = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'refresh-tasks' }, t('action.refresh'));
  const load = () => loadInto(list, () => get('/api/agency/tasks'), (body) => {
    const items = [...listOf(body).items].sort((a, b) => String(a.due_at || '').localeCompare(String(b.due_at || '')));
    if (!items.length) return replace(list, empty(t('agency.none')));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'agency-tasks' },
      h('caption', { class: 'sr-only' }, t('agency.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('dossier.code')),
        h('th', { scope: 'col' }, t('dossier.procedure')),
        h('th', { scope: 'col' }, t('task.step')),
        h('th', { scope: 'col' }, t('task.dueAt')),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))))),
      h('tbody', {}, items.map((task) => h('tr', { class: task.late ? 'is-late' : '' },
        h('td', { 'data-label': t('dossier.code') }, h('strong', { class: 'code' }, task.code || '')),
        h('td', { 'data-label': t('dossier.procedure') }, task.procedure_name || task.procedure_code || ''),
        h('td', { 'data-label': t('task.step') }, task.step_name || task.step_id),
        h('td', { 'data-label': t('task.dueAt') }, timeEl(task.due_at), task.late && h('span', { class: 'badge badge-late' }, t('task.late'))),
        h('td', {}, h('a', { href: `#/agency/${encodeURIComponent(task.dossier_id)}?step=${encodeURIComponent(task.step_id)}`, class: 'btn btn-small' }, t('agency.open')))))))));
  });
  refresh.addEventListener('click', load);
  const unit = me()?.unit;
  view.append(pageTitle(t('agency.title'), h('p', { class: 'muted' }, unit ? [`${t('common.unit')}: `, unitLabel(unit, me()?.unit_name)] : '', ' ', refresh)), list);
  await load();
}
