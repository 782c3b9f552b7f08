// My documents: papers I submitted before (and results issued to me), to reuse in new dossiers.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty } from '../ui.js';
import { timeEl, formatBytes } from '../format.js';

export async function render(view) {
  const list = h('div');
  view.append(pageTitle(t('mydocs.title'), h('p', { class: 'muted' }, t('mydocs.lead'))), list);
  await loadInto(list, () => get('/api/my/documents'), (body) => {
    const { items } = listOf(body);
    if (!items.length) return replace(list, empty(t('mydocs.none')));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'my-documents' },
      h('caption', { class: 'sr-only' }, t('mydocs.title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('mydocs.name')),
        h('th', { scope: 'col' }, t('mydocs.kind')),
        h('th', { scope: 'col' }, t('mydocs.from')),
        h('th', { scope: 'col' }, t('mydocs.at')))),
      h('tbody', {}, items.map((x) => h('tr', {},
        h('td', { 'data-label': t('mydocs.name') }, x.title || x.name || x.filename || x.id,
          x.filename && x.filename !== (x.title || x.name) ? h('div', { class: 'small muted' }, x.filename, x.size ? ` · ${formatBytes(x.size)}` : '') : null),
        h('td', { 'data-label': t('mydocs.kind') }, t(`mydocs.kind.${x.kind || x.type || 'document'}`, {}, x.kind || x.type || '')),
        h('td', { 'data-label': t('mydocs.from') }, x.dossier_code ? h('span', { class: 'code' }, x.dossier_code) : '—'),
        h('td', { 'data-label': t('mydocs.at') }, timeEl(x.kept_at || x.created_at))))))));
  });
}
