// My dossiers: list with status, submitted and appointment times; newest first, paged with the
// server's cursor and filtered on the server (code or procedure).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, statusBadge, statusLabel, isDraft, empty, moreButton } from '../ui.js';
import { timeEl } from '../format.js';
import { wizardHash } from '../wizard.js';

/** A draft's way back into the wizard (at `step`, or where it stands); a filed dossier's page. */
export function dossierLink(d, step = '') {
  if (isDraft(d)) return wizardHash(`#/submit/${encodeURIComponent(d.procedure_code)}`, d.id, step);
  return `#/my/${encodeURIComponent(d.id)}`;
}

/** The link text for a dossier: its code once received, else what its status says. */
const linkText = (d) => d.code || (isDraft(d) ? t('my.draftLink') : statusLabel(d.status));

export async function render(view) {
  const list = h('div');
  const PAGE = 50;
  const search = h('input', { type: 'search', id: 'my-q', 'aria-label': t('list.filter'), placeholder: t('list.filter') });
  const filter = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); load(); } }, search, h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('action.search')));
  const row = (d) => h('tr', {},
    h('td', { 'data-label': t('dossier.code') }, h('a', { href: dossierLink(d) }, linkText(d))),
    h('td', { 'data-label': t('dossier.procedure') }, d.procedure_name || d.procedure_code || ''),
    h('td', { 'data-label': t('dossier.status') }, statusBadge(d.status)),
    h('td', { 'data-label': t('dossier.submittedAt') }, timeEl(d.submitted_at)),
    h('td', { 'data-label': t('dossier.appointmentAt') }, timeEl(d.appointment_at)));
  view.append(pageTitle(t('my.title'), h('p', {}, h('a', { href: '#/', class: 'btn btn-secondary btn-small' }, t('my.new')))), filter, list);
  const load = () => loadInto(list, () => get('/api/my/dossiers', { q: search.value.trim(), limit: PAGE }), (body) => {
    const { items, next } = listOf(body);
    if (!items.length) return replace(list, empty(t('my.none')));
    const tbody = h('tbody', {}, items.map(row));
    const q = search.value.trim();
    const more = moreButton({
      id: 'my-more',
      next,
      fetchPage: (cursor) => get('/api/my/dossiers', { q, limit: PAGE, cursor }),
      append: (page) => tbody.append(...page.map(row)),
    });
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'my-dossiers' },
      h('caption', { class: 'sr-only' }, t('my.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('dossier.code')),
        h('th', { scope: 'col' }, t('dossier.procedure')),
        h('th', { scope: 'col' }, t('dossier.status')),
        h('th', { scope: 'col' }, t('dossier.submittedAt')),
        h('th', { scope: 'col' }, t('dossier.appointmentAt')))),
      tbody)), h('div', { class: 'btn-row' }, more));
  });
  await load();
}
