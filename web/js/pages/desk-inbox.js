// Desk inbox: new online dossiers for the desk's unit, oldest first; paged with the server's cursor
// and filtered on the server (code or procedure).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty, statusBadge, busy } from '../ui.js';
import { timeEl } from '../format.js';
import { me } from '../session.js';
import { unitLabel } from '../levels.js';

export async function render(view) {
  const list = h('div');
  const refresh = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, t('action.refresh'));
  const PAGE = 50;
  const search = h('input', { type: 'search', id: 'desk-q', 'aria-label': t('list.filter'), placeholder: t('list.filter') });
  const filter = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); load(); } }, search, h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('action.search')));
  const row = (d) => h('tr', {},
    h('td', { 'data-label': t('dossier.procedure') }, d.procedure_name || d.procedure_code),
    h('td', { 'data-label': t('applicant.name') }, d.applicant_name || d.applicant?.name || ''),
    h('td', { 'data-label': t('dossier.submittedAt') }, timeEl(d.submitted_at)),
    h('td', { 'data-label': t('dossier.status') }, statusBadge(d.status)),
    h('td', {}, h('a', { href: `#/desk/${encodeURIComponent(d.id)}`, class: 'btn btn-small' }, t('desk.open'))));
  const load = () => loadInto(list, () => get('/api/desk/inbox', { q: search.value.trim(), limit: PAGE }), (body) => {
    const { items, next } = listOf(body);
    if (!items.length) return replace(list, empty(t('desk.none')));
    let cursor = next;
    const tbody = h('tbody', {}, items.map(row));
    const more = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'desk-more', hidden: !cursor }, t('dash.more'));
    more.addEventListener('click', () => busy(more, async () => {
      const page = listOf(await get('/api/desk/inbox', { q: search.value.trim(), limit: PAGE, cursor }));
      tbody.append(...page.items.map(row));
      cursor = page.next;
      more.hidden = !cursor;
    }));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'desk-inbox' },
      h('caption', { class: 'sr-only' }, t('desk.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('dossier.procedure')),
        h('th', { scope: 'col' }, t('applicant.name')),
        h('th', { scope: 'col' }, t('dossier.submittedAt')),
        h('th', { scope: 'col' }, t('dossier.status')),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))))),
      tbody)), h('div', { class: 'btn-row' }, more));
  });
  refresh.addEventListener('click', load);
  const unit = me()?.unit;
  view.append(pageTitle(t('desk.title'), h('p', { class: 'muted' }, unit ? [`${t('common.unit')}: `, unitLabel(unit, me()?.unit_name)] : '', ' ', refresh)), filter, list);
  await load();
}
