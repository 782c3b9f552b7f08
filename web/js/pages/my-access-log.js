// "Ai đã xem dữ liệu của tôi": every access by staff or an agency's system to my dossiers and
// profile (GET /api/my/access-log), newest first, paged with the server's cursor.
import { h, replace } from '../dom.js';
import { getLang } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty, showError } from '../ui.js';
import { timeEl } from '../format.js';

// The page's own strings (Vietnamese, English), so it needs no entry in the shared dictionary.
const S = {
  title: ['Ai đã xem dữ liệu của tôi', 'Who accessed my data'],
  lead: [
    'Mọi lần cán bộ hoặc hệ thống của cơ quan nhà nước xem, tải hoặc cập nhật hồ sơ và thông tin cá nhân của bạn đều được ghi lại tại đây, kể cả những lần bị từ chối vì không có thẩm quyền.',
    'Every time an official or an agency system read, downloaded or changed your dossiers or profile is listed here, including attempts refused for lack of a relation to your dossier.',
  ],
  none: ['Chưa có ai truy cập dữ liệu của bạn.', 'Nobody has accessed your data yet.'],
  at: ['Thời gian', 'When'],
  who: ['Người truy cập', 'Who'],
  agency: ['Cơ quan', 'Agency'],
  what: ['Hoạt động', 'What'],
  dossier: ['Hồ sơ', 'Dossier'],
  profile: ['Thông tin cá nhân', 'Profile'],
  more: ['Xem thêm', 'Show more'],
  system: ['(hệ thống phần mềm)', '(agency system)'],
  'role.desk': ['Bộ phận một cửa', 'Service desk'],
  'role.agency': ['Cán bộ xử lý', 'Processing officer'],
  'role.leader': ['Lãnh đạo', 'Leader'],
  'role.province': ['Văn phòng UBND tỉnh', 'Province office'],
  'role.admin': ['Quản trị hệ thống', 'Administrator'],
  'what.read': ['Xem hồ sơ', 'Viewed the dossier'],
  'what.receipt': ['Tải giấy tiếp nhận', 'Downloaded the receipt'],
  'what.result_download': ['Tải kết quả', 'Downloaded the result'],
  'what.attachment': ['Xem giấy tờ đã nộp', 'Opened a paper you submitted'],
  'what.search': ['Tìm theo số giấy tờ', 'Found it by ID number'],
  'what.refused': ['Bị từ chối truy cập', 'Access refused'],
  'what.edit': ['Cập nhật hồ sơ', 'Changed the dossier'],
};
const s = (key) => (S[key] ? S[key][getLang() === 'en' ? 1 : 0] : key);

function row(x) {
  const whatKey = `what.${x.what}`;
  const what = S[whatKey] ? s(whatKey) : x.what;
  return h('tr', x.refused ? { class: 'refused' } : {},
    h('td', { 'data-label': s('at') }, timeEl(x.at)),
    h('td', { 'data-label': s('who') }, x.who?.name || '—',
      h('div', { class: 'small muted' },
        S[`role.${x.who?.role}`] ? s(`role.${x.who.role}`) : (x.who?.role || ''),
        x.who?.via === 'agency_api' ? ` ${s('system')}` : '')),
    h('td', { 'data-label': s('agency') }, x.who?.agency_name || x.who?.agency || '—'),
    h('td', { 'data-label': s('what') },
      x.refused ? h('span', { class: 'badge badge-late' }, what) : what,
      x.document ? h('div', { class: 'small muted' }, x.document) : null),
    h('td', { 'data-label': s('dossier') },
      x.subject === 'profile' ? s('profile')
        : x.dossier_code ? h('a', { href: `#/my/${encodeURIComponent(x.dossier_id)}`, class: 'code' }, x.dossier_code)
          : h('a', { href: `#/my/${encodeURIComponent(x.dossier_id)}` }, s('dossier'))));
}

export async function render(view) {
  const region = h('div');
  view.append(pageTitle(s('title'), h('p', { class: 'muted' }, s('lead'))), region);
  await loadInto(region, () => get('/api/my/access-log', { limit: 20 }), (body) => {
    const first = listOf(body);
    if (!first.items.length) return replace(region, empty(s('none')));
    const tbody = h('tbody', {}, first.items.map(row));
    const table = h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'access-log' },
      h('caption', { class: 'sr-only' }, s('title')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, s('at')),
        h('th', { scope: 'col' }, s('who')),
        h('th', { scope: 'col' }, s('agency')),
        h('th', { scope: 'col' }, s('what')),
        h('th', { scope: 'col' }, s('dossier')))),
      tbody));
    let cursor = first.next;
    const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: !cursor }, s('more'));
    more.addEventListener('click', async () => {
      more.disabled = true;
      try {
        const page = listOf(await get('/api/my/access-log', { limit: 20, cursor }));
        tbody.append(...page.items.map(row));
        cursor = page.next;
        more.hidden = !cursor;
      } catch (err) {
        showError(err);
      } finally {
        more.disabled = false;
      }
    });
    return replace(region, table, h('p', {}, more));
  });
}
