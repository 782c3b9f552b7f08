// "Quyền riêng tư": my consents (give / withdraw at once), export of everything held about me (a
// time-limited download link), and the erasure request with an explicit confirmation and the
// answer of what was deleted and what is kept (and until when).
import { h, replace } from '../dom.js';
import { getLang } from '../i18n.js';
import { get, post } from '../api.js';
import { pageTitle, loadInto, card, busy, showNotice, showError } from '../ui.js';
import { formatDate } from '../format.js';

const S = {
  title: ['Quyền riêng tư', 'Privacy'],
  lead: [
    'Quản lý sự đồng ý, tải về toàn bộ dữ liệu của bạn hoặc yêu cầu xóa dữ liệu (Nghị định 13/2023/NĐ-CP).',
    'Manage your consents, download all your data or ask for it to be erased (Decree 13/2023).',
  ],
  consents: ['Sự đồng ý của bạn', 'Your consents'],
  'kind.share_with_related_services': ['Chia sẻ với cơ quan liên quan', 'Share with related agencies'],
  'kind.face_registration': ['Tra cứu bằng khuôn mặt', 'Face lookup'],
  'kind.sms_notifications': ['Nhận tin nhắn SMS', 'SMS notifications'],
  given: ['Đã đồng ý', 'Given'],
  notGiven: ['Chưa đồng ý / đã rút', 'Not given / withdrawn'],
  give: ['Đồng ý', 'Give consent'],
  withdraw: ['Rút lại', 'Withdraw'],
  faceHint: ['Đăng ký tại trang “Tra cứu bằng khuôn mặt”.', 'Register on the face lookup page.'],
  export: ['Tải dữ liệu của tôi', 'Download my data'],
  exportLead: [
    'Tệp ZIP gồm thông tin cá nhân, hồ sơ, lịch sử, sự đồng ý, nhật ký truy cập và giấy tờ. Liên kết chỉ dùng được trong thời gian ngắn.',
    'A ZIP with your profile, dossiers, history, consents, access log and documents. The link works for a short time only.',
  ],
  exportReady: ['Tệp đã sẵn sàng: ', 'Ready: '],
  download: ['Tải về', 'Download'],
  erase: ['Yêu cầu xóa dữ liệu', 'Erasure request'],
  eraseLead: [
    'Thông tin liên hệ, số giấy tờ, sự đồng ý, dữ liệu khuôn mặt và kho giấy tờ sẽ bị xóa vĩnh viễn. Hồ sơ thủ tục hành chính phải lưu trữ theo luật sẽ được giữ lại và hạn chế xử lý. Tài khoản vẫn còn.',
    'Contact details, ID numbers, consents, face data and your documents are deleted for good. Dossiers the law requires us to keep are kept and restricted. Your account stays.',
  ],
  confirm: ['Tôi hiểu và muốn xóa dữ liệu của tôi', 'I understand and want my data erased'],
  eraseBtn: ['Gửi yêu cầu xóa', 'Send the erasure request'],
  deleted: ['Đã xóa', 'Deleted'],
  kept: ['Được giữ lại', 'Kept'],
  until: ['đến', 'until'],
  whileOpen: ['đang giải quyết, lưu theo thời hạn sau khi kết thúc', 'being handled; kept for the period after it ends'],
  locked: ['Tệp bị khóa lưu trữ (không thể xóa)', 'Files under retention lock (cannot be deleted)'],
};
const s = (key) => (S[key] ? S[key][getLang() === 'en' ? 1 : 0] : key);

function consentRow(c, reload) {
  const text = getLang() === 'en' ? c.text_en : c.text_vi;
  const actions = h('div', { class: 'actions' });
  if (c.kind === 'face_registration' && !c.given) {
    actions.append(h('a', { href: '#/my/face' }, s('faceHint')));
  } else {
    const btn = h('button', { type: 'button', class: c.given ? 'btn btn-secondary' : 'btn' },
      c.given ? s('withdraw') : s('give'));
    btn.addEventListener('click', () => busy(btn, async () => {
      await post('/api/my/consents', { kind: c.kind, given: !c.given, text_version: c.text_version });
      await reload();
    }));
    actions.append(btn);
  }
  return card(
    h('h3', {}, s(`kind.${c.kind}`), ' ',
      h('span', { class: c.given ? 'badge badge-ok' : 'badge' }, c.given ? s('given') : s('notGiven'))),
    h('p', { class: 'muted' }, text),
    actions);
}

function erasureAnswer(a) {
  const d = a.deleted;
  return card(
    h('h3', {}, s('deleted')),
    h('ul', {},
      h('li', {}, `profile: ${d.profile_fields.join(', ') || '-'}`),
      h('li', {}, `consents: ${d.consents}; face: ${d.face_data ? 'yes' : 'no'}`),
      h('li', {}, `my documents: ${d.my_documents}; drafts: ${d.drafts}; files: ${d.object_versions}`)),
    h('h3', {}, s('kept')),
    h('ul', { id: 'erasure-kept' }, a.kept.dossiers.map((x) => h('li', {},
      h('span', { class: 'code' }, x.code || x.id), ' — ',
      x.retention_until ? `${s('until')} ${formatDate(x.retention_until)}` : s('whileOpen')))),
    a.kept.locked_objects.length
      ? h('p', {}, `${s('locked')}: ${a.kept.locked_objects.map((o) => o.key).join(', ')}`) : '');
}

export async function render(view) {
  const consents = h('div');
  const exportBox = h('div');
  const eraseBox = h('div');
  view.append(pageTitle(s('title'), h('p', { class: 'muted' }, s('lead'))),
    h('h2', {}, s('consents')), consents,
    h('h2', {}, s('export')), exportBox,
    h('h2', {}, s('erase')), eraseBox);

  const reload = () => loadInto(consents, () => get('/api/my/consents'),
    (body) => replace(consents, ...body.items.map((c) => consentRow(c, reload))));
  await reload();

  const link = h('p', { 'aria-live': 'polite' });
  const exportBtn = h('button', { type: 'button', class: 'btn' }, s('export'));
  exportBtn.addEventListener('click', () => busy(exportBtn, async () => {
    const r = await post('/api/my/export');
    replace(link, s('exportReady'), h('a', { href: r.url, rel: 'noopener' }, s('download')));
  }));
  exportBox.append(h('p', { class: 'muted' }, s('exportLead')), exportBtn, link);

  const check = h('input', { type: 'checkbox', id: 'erase-confirm' });
  const eraseBtn = h('button', { type: 'button', class: 'btn btn-danger', disabled: true }, s('eraseBtn'));
  const answer = h('div', { 'aria-live': 'polite' });
  check.addEventListener('change', () => { eraseBtn.disabled = !check.checked; });
  eraseBtn.addEventListener('click', () => busy(eraseBtn, async () => {
    if (!window.confirm(s('eraseLead'))) return;
    try {
      const a = await post('/api/my/erasure', { confirm: true });
      replace(answer, erasureAnswer(a));
      showNotice(s('deleted'));
      await reload();
    } catch (err) {
      showError(err);
    }
  }));
  eraseBox.append(h('p', {}, s('eraseLead')),
    h('p', {}, check, ' ', h('label', { for: 'erase-confirm' }, s('confirm'))), eraseBtn, answer);
}
