// Desk inbox: new online dossiers for the desk's unit, oldest first; paged with the server's cursor
// and filtered on the server (code or procedure). Any dossier the desk received is found by the
// code on its receipt (a citizen at the counter); a walk-in paper dossier starts here too.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty, statusBadge, busy, card } from '../ui.js';
import { timeEl } from '../format.js';
import { me } from '../session.js';
import { unitLabel } from '../levels.js';
import { labelled, setFieldError } from '../forms.js';
import { act, errorSlot } from '../lifecycle.js';

/** Open a dossier by its receipt's code (trimmed, any case; only this desk's are found). */
function codeFinder(navigate) {
  const field = labelled(t('desk.findCode'), h('input', { type: 'search', name: 'code', id: 'desk-code', autocomplete: 'off', spellcheck: 'false' }), { required: true, hint: t('desk.findHint') });
  const open = h('button', { type: 'submit', class: 'btn btn-primary' }, t('desk.findOpen'));
  const slot = errorSlot();
  const form = h('form', { class: 'form inline-form', role: 'search', 'aria-label': t('desk.findTitle'), novalidate: true, id: 'desk-find' },
    field.wrap, h('div', { class: 'form-actions' }, open), slot);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = field.input.value.trim();
    setFieldError(field, code ? '' : t('form.requiredEnter', { field: t('desk.findCode') }));
    if (!code) return field.input.focus();
    await act(open, slot, async () => {
      const d = await get(`/api/staff/dossiers/by-code/${encodeURIComponent(code)}`);
      navigate(`#/desk/${encodeURIComponent(d.id)}`);
    });
    return undefined;
  });
  return card(h('h2', {}, t('desk.findTitle')), form);
}

export async function render(view, { navigate }) {
  const list = h('div');
  const refresh = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, t('action.refresh'));
  const PAGE = 50;
  const search = h('input', { type: 'search', id: 'desk-q', 'aria-label': t('list.filter'), placeholder: t('list.filter') });
  const filter = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); load(); } }, search, h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('action.search')));
  const row = (d) => h('tr', {},
    h('td', { 'data-label': t('dossier.procedure') }, d.procedure_name || d.procedure_code,
      d.source === 'DVCQG' ? [' ', h('span', { class: 'badge', title: t('desk.fromDvcqg') }, 'DVCQG')] : ''),
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
  const walkIn = h('a', { href: '#/desk/new', class: 'btn btn-primary btn-small', id: 'walk-in' }, t('desk.walkIn'));
  view.append(
    pageTitle(t('desk.title'), h('p', { class: 'muted' }, unit ? [`${t('common.unit')}: `, unitLabel(unit, me()?.unit_name)] : '', ' ', refresh, ' ', walkIn)),
    codeFinder(navigate), filter, list);
  await load();
}
