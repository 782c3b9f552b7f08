// Public (no sign-in): dossier handling results by agency for a month (Đ4.4). Numbers only — no
// dossier codes, names or any personal data.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pageTitle, loadInto, empty, card } from '../ui.js';
import { formatDateTime } from '../format.js';
import { thisMonth, isMonth, monthLabel, num, bar, monthPicker } from './dash-common.js';

export async function render(view, { query, navigate }) {
  const month = isMonth(query.month) ? query.month : thisMonth();
  const body = h('div', { id: 'transparency' });
  view.append(
    pageTitle(t('pub.title'), h('p', { class: 'muted' }, t('pub.lead'))),
    monthPicker(month, (m) => navigate(`#/transparency?month=${m}`), { id: 'pub-month' }),
    body);
  await loadInto(body, () => get('/api/transparency', { month }, { auth: false }), (data) => {
    const rows = data?.agencies || [];
    if (!rows.length) return replace(body, card(empty(t('dash.noData'))));
    const total = data.total || {};
    const cell = (v) => (v == null ? h('span', { class: 'muted', title: t('pub.inProgressNote') }, '—') : num(v, 0));
    const cols = [t('dash.agency'), t('pub.received'), t('pub.onTime'), t('pub.late'), t('pub.inProgress'), t('pub.score')];
    return replace(body, card(
      h('h2', {}, `${data.province_name ? `${data.province_name} · ` : ''}${t('dash.month')} ${monthLabel(data.month)}`),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'transparency-table' },
        h('caption', { class: 'sr-only' }, `${t('pub.title')} — ${monthLabel(data.month)}`),
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map((r) => h('tr', { dataset: { agency: r.agency } },
          h('th', { scope: 'row' }, r.name || r.agency),
          h('td', { 'data-label': cols[1] }, cell(r.received)),
          h('td', { 'data-label': cols[2] }, cell(r.finished_on_time)),
          h('td', { 'data-label': cols[3] }, cell(r.finished_late)),
          h('td', { 'data-label': cols[4] }, cell(r.in_progress)),
          h('td', { 'data-label': cols[5] }, bar(r.score), r.score != null && !r.score_complete ? h('span', { class: 'muted' }, ' *') : null)))),
        h('tfoot', {}, h('tr', {},
          h('th', { scope: 'row' }, t('pub.total')),
          h('td', { 'data-label': cols[1] }, cell(total.received)),
          h('td', { 'data-label': cols[2] }, cell(total.finished_on_time)),
          h('td', { 'data-label': cols[3] }, cell(total.finished_late)),
          h('td', { 'data-label': cols[4] }, cell(total.in_progress)),
          h('td', {}, ''))))),
      h('p', { class: 'muted small' }, t('pub.partialScore')),
      h('p', { class: 'muted small' }, t('pub.inProgressNote')),
      data.generated_at && h('p', { class: 'muted small' }, `${t('pub.generated')} ${formatDateTime(data.generated_at)}`)));
  });
}
