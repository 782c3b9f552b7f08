// Desk inbox: new online dossiers for the desk's unit.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty, statusBadge } from '../ui.js';
import { timeEl } from '../format.js';
import { me } from '../session.js';
import { unitLabel } from '../levels.js';

export async function render(view) {
  const list = h('div');
  const refresh = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, t('action.refresh'));
  const load = () => loadInto(list, () => get('/api/desk/inbox'), (body) => {
    const { items } = listOf(body);
    if (!items.length) return replace(list, empty(t('desk.none')));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'desk-inbox' },
      h('caption', { class: 'sr-only' }, t('desk.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('dossier.procedure')),
        h('th', { scope: 'col' }, t('applicant.name')),
        h('th', { scope: 'col' }, t('dossier.submittedAt')),
        h('th', { scope: 'col' }, t('dossier.status')),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))))),
      h('tbody', {}, items.map((d) => h('tr', {},
        h('td', { 'data-label': t('dossier.procedure') }, d.procedure_name || d.procedure_code),
        h('td', { 'data-label': t('applicant.name') }, d.applicant_name || d.applicant?.name || ''),
        h('td', { 'data-label': t('dossier.submittedAt') }, timeEl(d.submitted_at)),
        h('td', { 'data-label': t('dossier.status') }, statusBadge(d.status)),
        h('td', {}, h('a', { href: `#/desk/${encodeURIComponent(d.id)}`, class: 'btn btn-small' }, t('desk.open')))))))));
  });
  refresh.addEventListener('click', load);
  const unit = me()?.unit;
  view.append(pageTitle(t('desk.title'), h('p', { class: 'muted' }, unit ? [`${t('common.unit')}: `, unitLabel(unit, me()?.unit_name)] : '', ' ', refresh)), list);
  await load();
}
