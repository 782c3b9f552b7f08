// Dossiers related to me (issue 20): those filed for another, where I am the representative or the
// represented person or business (by the ID number VNeID vouched for), read-only. The API
// (`GET /api/my/followed-dossiers`) answers them all at once, newest first; my own dossiers filed
// for myself are on "Hồ sơ của tôi" and are left out here.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, statusBadge, statusLabel, empty } from '../ui.js';
import { timeEl } from '../format.js';

export const followedLink = (d) => `#/my/followed/${encodeURIComponent(d.id)}`;

export async function render(view) {
  const list = h('div');
  const row = (d) => h('tr', {},
    h('td', { 'data-label': t('dossier.code') }, h('a', { href: followedLink(d) }, d.code || statusLabel(d.status))),
    h('td', { 'data-label': t('dossier.procedure') }, d.procedure_name || d.procedure_code || ''),
    h('td', { 'data-label': t('rep.represented') }, d.applicant_name || ''),
    h('td', { 'data-label': t('rep.representative') }, d.representative_name || ''),
    h('td', { 'data-label': t('dossier.status') }, statusBadge(d.status)),
    h('td', { 'data-label': t('dossier.submittedAt') }, timeEl(d.submitted_at)));
  view.append(pageTitle(t('followed.title'), h('p', { class: 'muted' }, t('followed.intro'))), list);
  await loadInto(list, () => get('/api/my/followed-dossiers'), (body) => {
    const items = listOf(body).items.filter((d) => d.representative_name);
    if (!items.length) return replace(list, empty(t('followed.none')));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'followed-dossiers' },
      h('caption', { class: 'sr-only' }, t('followed.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('dossier.code')),
        h('th', { scope: 'col' }, t('dossier.procedure')),
        h('th', { scope: 'col' }, t('rep.represented')),
        h('th', { scope: 'col' }, t('rep.representative')),
        h('th', { scope: 'col' }, t('dossier.status')),
        h('th', { scope: 'col' }, t('dossier.submittedAt')))),
      h('tbody', {}, items.map(row)))));
  });
}
