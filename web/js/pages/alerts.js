// Console: the agency's deadline alerts (due soon / overdue), newest first, paged with the cursor.
import { h, replace } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { get } from '../api.js';
import { pageTitle, loadInto, empty, moreButton } from '../ui.js';
import { timeEl } from '../format.js';
import { me } from '../session.js';
import { unitLabel } from '../levels.js';

const PAGE = 20;

export function kindBadge(kind) {
  // A failed workflow is not a deadline: its own label (an administrator restarts it from the
  // dossier's page, #/agency/<id>, which the alert links to).
  if (kind === 'workflow_failed') return h('span', { class: 'badge badge-late badge-failed', dataset: { kind } }, t('alerts.workflowFailed'));
  const overdue = /overdue|repeat/.test(String(kind || ''));
  return h('span', { class: `badge ${overdue ? 'badge-late' : 'badge-soon'}`, dataset: { kind } }, t(overdue ? 'alerts.overdue' : 'alerts.dueSoon'));
}

export async function render(view) {
  const list = h('div', { id: 'alerts-list' });
  const refresh = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'refresh-alerts' }, t('action.refresh'));
  const load = () => loadInto(list, () => get('/api/agency/alerts', { limit: PAGE }), (first) => {
    if (!(first?.items || []).length) return replace(list, empty(t('alerts.none')));
    const tbody = h('tbody');
    const add = (items) => {
      for (const a of items) {
        tbody.append(h('tr', { class: /overdue|repeat|workflow_failed/.test(a.kind) ? 'is-late' : '' },
          h('td', { 'data-label': t('alerts.at') }, timeEl(a.at)),
          h('td', { 'data-label': t('alerts.kind') }, kindBadge(a.kind), ' ', h('span', { class: 'small' }, (getLang() === 'en' ? a.text_en || a.text : a.text || a.text_en) || '')),
          h('td', { 'data-label': t('dossier.code') }, h('a', { href: `#/agency/${encodeURIComponent(a.dossier_id)}${a.step_id ? `?step=${encodeURIComponent(a.step_id)}` : ''}`, class: 'code' }, a.dossier_code || a.dossier_id)),
          h('td', { 'data-label': t('task.step') }, a.step_id || h('span', { class: 'muted' }, t('alerts.wholeDossier')))));
      }
    };
    const more = moreButton({
      id: 'alerts-more',
      next: first.next,
      fetchPage: (cursor) => get('/api/agency/alerts', { limit: PAGE, cursor }),
      append: add,
    });
    add(first.items);
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'alerts-table' },
      h('caption', { class: 'sr-only' }, t('alerts.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('alerts.at')),
        h('th', { scope: 'col' }, t('alerts.kind')),
        h('th', { scope: 'col' }, t('dossier.code')),
        h('th', { scope: 'col' }, t('task.step')))),
      tbody)), h('div', { class: 'btn-row' }, more));
  });
  refresh.addEventListener('click', load);
  const unit = me()?.unit;
  view.append(pageTitle(t('alerts.title'), h('p', { class: 'muted' }, t('alerts.lead')),
    h('p', { class: 'muted' }, unit ? [`${t('common.unit')}: `, unitLabel(unit, me()?.unit_name)] : '', ' ', refresh)), list);
  await load();
}
