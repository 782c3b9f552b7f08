// My dossiers: list with status, submitted and appointment times.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, statusBadge, empty } from '../ui.js';
import { timeEl } from '../format.js';

export function dossierLink(d) {
  if (!d.status) return `#/submit/${encodeURIComponent(d.procedure_code)}?dossier=${encodeURIComponent(d.id)}`;
  return `#/my/${encodeURIComponent(d.id)}`;
}

export async function render(view) {
  const list = h('div');
  view.append(pageTitle(t('my.title'), h('p', {}, h('a', { href: '#/', class: 'btn btn-secondary btn-small' }, t('my.new')))), list);
  await loadInto(list, () => get('/api/my/dossiers'), (body) => {
    const { items } = listOf(body);
    if (!items.length) return replace(list, empty(t('my.none')));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'my-dossiers' },
      h('caption', { class: 'sr-only' }, t('my.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('dossier.code')),
        h('th', { scope: 'col' }, t('dossier.procedure')),
        h('th', { scope: 'col' }, t('dossier.status')),
        h('th', { scope: 'col' }, t('dossier.submittedAt')),
        h('th', { scope: 'col' }, t('dossier.appointmentAt')))),
      h('tbody', {}, items.map((d) => h('tr', {},
        h('td', { 'data-label': t('dossier.code') }, h('a', { href: dossierLink(d) }, d.code || t('my.draftLink'))),
        h('td', { 'data-label': t('dossier.procedure') }, d.procedure_name || d.procedure_code || ''),
        h('td', { 'data-label': t('dossier.status') }, statusBadge(d.status)),
        h('td', { 'data-label': t('dossier.submittedAt') }, timeEl(d.submitted_at)),
        h('td', { 'data-label': t('dossier.appointmentAt') }, timeEl(d.appointment_at))))))));
  });
}
