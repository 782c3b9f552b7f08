// Admin: suspected personal-data breaches (NĐ 13/2023 Đ23): record one with the query that finds
// the affected citizens, see the 72-hour deadline state, download the notification list and the
// report to the authority, mark it reported.
import { h, replace, uid } from '../dom.js';
import { getLang } from '../i18n.js';
import { get, post } from '../api.js';
import { pageTitle, loadInto, card, busy, empty, showError, clearAlerts, moreButton } from '../ui.js';
import { formatDateTime } from '../format.js';
import { naturalInput, naturalHint, readNatural } from '../natural.js';

const S = {
  title: ['Sự cố dữ liệu cá nhân', 'Personal data breaches'],
  record: ['Ghi nhận sự cố', 'Record a breach'],
  scope: ['Phạm vi', 'Scope'],
  detected: ['Phát hiện lúc', 'Detected at'],
  categories: ['Loại dữ liệu (cách nhau dấu phẩy)', 'Data categories (comma-separated)'],
  procedure: ['Mã thủ tục', 'Procedure code'],
  from: ['Từ ngày', 'From'],
  to: ['Đến ngày', 'To'],
  save: ['Ghi nhận', 'Record'],
  none: ['Chưa có sự cố.', 'No breaches.'],
  affected: ['Người bị ảnh hưởng', 'Affected people'],
  deadline: ['Hạn báo cáo', 'Report deadline'],
  list: ['Danh sách thông báo', 'Notification list'],
  report: ['Báo cáo cơ quan chức năng', 'Report to the authority'],
  reported: ['Đã báo cáo (số văn bản)', 'Reported (reference)'],
  'state.open': ['Còn hạn', 'Open'],
  'state.due_soon': ['Sắp đến hạn', 'Due soon'],
  'state.overdue': ['Quá hạn', 'Overdue'],
  'state.reported': ['Đã báo cáo', 'Reported'],
  all: ['Mọi trạng thái', 'Any state'],
  'filter.open': ['Chưa báo cáo', 'Not reported'],
  search: ['Tìm (mã, phạm vi, mô tả, số văn bản)', 'Search (id, scope, description, reference)'],
  find: ['Lọc', 'Filter'],
  more: ['Xem thêm', 'Show more'],
};
const s = (key) => (S[key] ? S[key][getLang() === 'en' ? 1 : 0] : key);

function field(label, input, hint = '') {
  const hintId = hint ? uid('hint') : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('p', {}, h('label', {}, label, h('br'), input), hint && h('br'), hint && h('span', { class: 'field-hint', id: hintId }, hint));
}

function breachCard(b, reload) {
  const ref = h('input', { type: 'text', placeholder: s('reported') });
  const btn = h('button', { type: 'button', class: 'btn btn-secondary' }, s('reported'));
  btn.addEventListener('click', () => busy(btn, async () => {
    await post(`/api/admin/breaches/${encodeURIComponent(b.id)}/reported`, { reference: ref.value });
    await reload();
  }));
  return card(
    h('h3', {}, b.scope, ' ', h('span', { class: `badge ${b.deadline_state === 'overdue' ? 'badge-late' : ''}` },
      s(`state.${b.deadline_state}`))),
    h('p', {}, `${s('affected')}: ${b.affected} · ${s('deadline')}: ${formatDateTime(b.deadline_at)}`),
    h('p', {}, h('a', { href: b.notification_list_url }, s('list')), ' · ',
      h('a', { href: b.report_url }, s('report'))),
    b.state === 'reported' ? '' : h('p', {}, ref, ' ', btn));
}

export async function render(view) {
  const list = h('div');
  const scope = h('input', { type: 'text', required: true });
  const detected = naturalInput('datetime', { name: 'detected_at' });
  const cats = h('input', { type: 'text', value: 'identity,contact' });
  const proc = h('input', { type: 'text' });
  const from = naturalInput('date', { name: 'date_from' });
  const to = naturalInput('date', { name: 'date_to' });
  const save = h('button', { type: 'submit', class: 'btn' }, s('save'));
  const form = h('form', {}, field(s('scope'), scope), field(s('detected'), detected, naturalHint('datetime')),
    field(s('categories'), cats), field(s('procedure'), proc), field(s('from'), from, naturalHint('date')),
    field(s('to'), to, naturalHint('date')), save);
  // one page at a time (server cursor `next`), filtered on the server by state and free text
  const state = h('select', { id: 'breach-state', 'aria-label': s('all') },
    h('option', { value: '' }, s('all')), h('option', { value: 'open' }, s('filter.open')),
    h('option', { value: 'reported' }, s('state.reported')));
  const q = h('input', { type: 'search', id: 'breach-q', 'aria-label': s('search'), placeholder: s('search') });
  const filter = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); reload(); } },
    state, q, h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, s('find')));
  const params = (cursor) => ({ state: state.value, q: q.value.trim(), limit: 20, cursor });
  const reload = () => loadInto(list, () => get('/api/admin/breaches', params()), (body) => {
    if (!body.items.length) return replace(list, empty(s('none')));
    const rows = h('div', {}, body.items.map((b) => breachCard(b, reload)));
    const first = params();
    const more = moreButton({
      id: 'breach-more',
      label: s('more'),
      next: body.next,
      fetchPage: (cursor) => get('/api/admin/breaches', { ...first, cursor }),
      append: (page) => rows.append(...page.map((b) => breachCard(b, reload))),
    });
    return replace(list, rows, h('div', { class: 'btn-row' }, more));
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearAlerts();
    const read = [[detected, 'datetime', 'detected'], [from, 'date', 'from'], [to, 'date', 'to']]
      .map(([input, kind, key]) => ({ input, ...readNatural(kind, input.value, s(key)) }));
    const bad = read.find((r) => r.problem);
    read.forEach((r) => (r.problem ? r.input.setAttribute('aria-invalid', 'true') : r.input.removeAttribute('aria-invalid')));
    if (bad) {
      showError(bad.problem);
      bad.input.focus();
      return;
    }
    const [detectedAt, dateFrom, dateTo] = read.map((r) => r.value || undefined);
    busy(save, async () => {
      await post('/api/admin/breaches', {
        scope: scope.value,
        detected_at: detectedAt,
        categories: cats.value.split(',').map((x) => x.trim()).filter(Boolean),
        procedure_code: proc.value || undefined,
        date_from: dateFrom,
        date_to: dateTo,
      });
      await reload();
    }, { form });
  });
  view.append(pageTitle(s('title')), h('h2', {}, s('record')), form, filter, list);
  await reload();
}
