// The public verification page of a signed electronic result: /verify.html?id=<result id>.
// GET /api/verify/{id} says whether the stored result is authentic and intact, with pyHanko's report
// on each PAdES signature (official, then agency); the person may also pick their own PDF copy,
// which is POSTed (application/pdf), compared by its sha256 and its own signatures validated: the
// same report, for their file.
// Standalone (no sign-in, no router); Vietnamese first, the same language choice as the portal.
import { h, replace } from './dom.js';
import { formatDateTime } from './format.js';

const LANG_KEY = 'tthc.lang';
const MAX_BYTES = 20 * 1024 * 1024; // = chalicelib.api.routes_results.MAX_COMPARE_BYTES

const STRINGS = {
  skip: ['Bỏ qua đến nội dung chính', 'Skip to main content'],
  site: ['Cổng dịch vụ công', 'Public Service Portal'],
  sub: ['Kiểm tra kết quả giải quyết thủ tục hành chính', 'Verify an administrative procedure result'],
  title: ['Kiểm tra kết quả điện tử', 'Verify an electronic result'],
  lead: [
    'Trang này kiểm tra kết quả giải quyết thủ tục hành chính có đúng do cơ quan nhà nước ban hành, đã được ký số và chưa bị sửa đổi.',
    'This page checks that an administrative procedure result was issued by the authority, is digitally signed and has not been modified.',
  ],
  idLabel: ['Mã kết quả (in dưới mã QR trên văn bản)', 'Result id (printed under the QR code)'],
  check: ['Kiểm tra', 'Check'],
  compareTitle: ['So sánh với tệp bạn đang giữ', 'Compare with the file you have'],
  compareHint: [
    'Chọn tệp PDF kết quả bạn đã nhận (tải về hoặc được gửi qua thư điện tử). Tệp được gửi lên để tính mã băm và so sánh, không được lưu lại.',
    'Pick the result PDF you received (downloaded or e-mailed). It is sent only to compute and compare its hash; it is not kept.',
  ],
  pick: ['Chọn tệp PDF…', 'Choose a PDF…'],
  footer: [
    'Hệ thống thông tin giải quyết thủ tục hành chính — chữ ký số bằng khóa ECDSA P-256 do hệ thống quản lý (AWS KMS).',
    'Administrative procedure information system — digital signatures with a managed ECDSA P-256 key (AWS KMS).',
  ],
  lang: ['English', 'Tiếng Việt'],
  loading: ['Đang kiểm tra…', 'Checking…'],
  valid: ['KẾT QUẢ HỢP LỆ', 'VALID RESULT'],
  invalid: ['KẾT QUẢ KHÔNG HỢP LỆ', 'NOT VALID'],
  code: ['Mã hồ sơ', 'Dossier code'],
  resultId: ['Mã kết quả', 'Result id'],
  file: ['Tên tệp', 'File name'],
  signedAt: ['Thời điểm ký', 'Signed at'],
  algorithm: ['Thuật toán', 'Algorithm'],
  keyId: ['Khóa ký', 'Signing key'],
  sha: ['Mã băm SHA-256', 'SHA-256 hash'],
  origin: ['Nguồn', 'Origin'],
  generated: ['Tạo từ mẫu của hệ thống', 'Generated from the system template'],
  uploaded: ['Văn bản do cơ quan tải lên', 'Document uploaded by the agency'],
  checks: ['Các bước kiểm tra', 'Checks'],
  'check.found': ['Có hồ sơ kết quả trong hệ thống', 'The result is on record'],
  'check.key_trusted': ['Ký bằng khóa của hệ thống', "Signed with the system's key"],
  'check.signature': ['Chữ ký số đúng (dịch vụ khóa)', 'Signature valid (key service)'],
  'check.signature_offline': ['Chữ ký số đúng (khóa công khai)', 'Signature valid (public key)'],
  'check.file_intact': ['Tệp lưu trữ chưa bị thay đổi', 'The stored file is unchanged'],
  'check.copy_matches': ['Tệp bạn chọn trùng khớp với bản đã ký', 'Your file matches the signed one'],
  'check.pades': [
    'Chữ ký số PAdES trong tệp hợp lệ (người có thẩm quyền, cơ quan)',
    'PAdES signatures in the file are valid (official, agency)',
  ],
  signers: ['Chữ ký số trong văn bản', 'Signatures in the document'],
  'role.official': ['Người có thẩm quyền ký', 'Competent official'],
  'role.agency': ['Cơ quan ban hành', 'Issuing agency'],
  'role.other': ['Chữ ký', 'Signature'],
  unknown: ['không rõ', 'unknown'],
  none: ['không có', 'none'],
  'f.agency': ['Cơ quan', 'Agency'],
  'f.signingTime': ['Thời điểm ký (người ký khai)', 'Signing time (as the signer states)'],
  'f.timestamp': ['Dấu thời gian (TSA)', 'Timestamp (TSA)'],
  'f.chain': ['Chuỗi chứng thư đến chứng thư gốc', 'Certificate chain to the root'],
  'f.revocation': ['Tình trạng thu hồi tại thời điểm ký', 'Revocation status at signing time'],
  'f.integrity': ['Tính toàn vẹn', 'Document integrity'],
  'f.validity': ['Hiệu lực chứng thư', 'Certificate validity period'],
  'f.issuer': ['Tổ chức cấp chứng thư', 'Certificate issuer'],
  'f.serial': ['Số hiệu chứng thư', 'Certificate serial'],
  'f.ltv': ['Thông tin kiểm tra dài hạn (LTV) kèm trong tệp', 'Long-term validation data (LTV) in the file'],
  'f.verdict': ['Kết luận', 'Conclusion'],
  tsUntrusted: ['không tin cậy', 'not trusted'],
  chainOk: ['tin cậy', 'trusted'],
  chainBad: ['không tin cậy', 'not trusted'],
  revOk: ['chưa bị thu hồi', 'not revoked'],
  revBad: ['đã bị thu hồi từ', 'revoked since'],
  revUnknown: ['không kiểm tra được', 'could not be checked'],
  intact: ['nguyên vẹn', 'intact'],
  altered: ['không nguyên vẹn (đã bị thay đổi hoặc hỏng)', 'not intact (altered or damaged)'],
  from: ['từ', 'from'],
  to: ['đến', 'to'],
  outsideValidity: ['ngoài thời hạn khi ký', 'outside its validity when signing'],
  yes: ['Có', 'Yes'],
  no: ['Không', 'No'],
  sigValid: ['hợp lệ', 'valid'],
  sigInvalid: ['không hợp lệ', 'not valid'],
  copyTitle: ['Kết quả kiểm tra tệp của bạn', 'The check of your file'],
  copyValid: ['TỆP CỦA BẠN HỢP LỆ', 'YOUR FILE IS VALID'],
  copyInvalid: ['TỆP CỦA BẠN KHÔNG HỢP LỆ (ĐÃ BỊ THAY ĐỔI)', 'YOUR FILE IS NOT VALID (ALTERED)'],
  noSigners: ['Tệp không có chữ ký số.', 'The file carries no digital signature.'],
  copySame: ['Tệp của bạn trùng khớp với kết quả đã ký.', 'Your file is identical to the signed result.'],
  copyDiffers: [
    'Tệp của bạn KHÁC với kết quả đã ký: đừng tin nội dung của tệp này.',
    'Your file DIFFERS from the signed result: do not trust its content.',
  ],
  noId: ['Thiếu mã kết quả. Hãy quét mã QR trên văn bản hoặc nhập mã.', 'No result id. Scan the QR code on the document or type the id.'],
  notPdf: ['Hãy chọn một tệp PDF.', 'Please choose a PDF file.'],
  tooBig: ['Tệp quá lớn (tối đa 20 MB).', 'The file is too large (20 MB at most).'],
  network: ['Không kết nối được máy chủ. Vui lòng thử lại.', 'Cannot reach the server. Please try again.'],
  error: ['Không kiểm tra được. Vui lòng thử lại sau.', 'The check failed. Please try again later.'],
};

let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
let resultId = '';
let lastAnswer = null;
let lastCopy = null;
let lastCopyName = '';

function t(key) {
  const pair = STRINGS[key];
  return pair ? pair[lang === 'en' ? 1 : 0] : key;
}

function applyStatic() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  const toggle = document.getElementById('lang-toggle');
  toggle.textContent = t('lang');
  toggle.lang = lang === 'en' ? 'vi' : 'en';
  document.title = `${t('title')} — ${t('site')}`;
}

/** "HH:mm dd/MM/yyyy" in Vietnam time, like every page of the portal. */
const formatTime = (iso) => (iso ? formatDateTime(iso) : '');

function reasonOf(answer) {
  return lang === 'en' ? answer.reason_en || answer.reason_vi : answer.reason_vi || answer.reason_en;
}

function fact(label, value, cls) {
  if (value == null || value === '') return [];
  return [h('dt', {}, label), h('dd', { class: cls }, value)];
}

function checkItems(checks) {
  return Object.entries(checks || {}).map(([name, ok]) => {
    const cls = ok === true ? 'pass' : ok === false ? 'fail' : 'skip';
    return h('li', { class: cls }, t(`check.${name}`));
  });
}

// pyHanko's report (GET/POST /api/verify): one block per signature, from its facts (the API's
// lines_vi say the same in Vietnamese), so the English toggle reads it too.
function when(iso) {
  return iso ? formatTime(iso) : t('none');
}

function sigFact(name, label, value, ok) {
  const cls = ok === true ? 'verdict-ok' : ok === false ? 'verdict-bad' : undefined;
  return [h('dt', {}, label), h('dd', { 'data-fact': name, class: cls }, value)];
}

function revocation(sig) {
  if (sig.revoked) return `${t('revBad')} ${when(sig.revocation_date)}`;
  return sig.revocation_checked ? t('revOk') : t('revUnknown');
}

function signerBlock(sig) {
  const role = sig.role === 'official' || sig.role === 'agency' ? sig.role : 'other';
  const ok = sig.intact && sig.valid && sig.chain_trusted && !sig.revoked && !sig.expired_at_signing && sig.timestamp_trusted;
  const who = `${sig.signer_name || t('unknown')}${sig.title ? ` — ${sig.title}` : ''}`;
  const validity = `${t('from')} ${when(sig.not_before)} ${t('to')} ${when(sig.not_after)}${sig.expired_at_signing ? ` — ${t('outsideValidity')}` : ''}`;
  const stamp = sig.timestamp_time ? `${when(sig.timestamp_time)}${sig.timestamp_trusted ? '' : ` — ${t('tsUntrusted')}`}` : t('none');
  return h(
    'li',
    { class: 'signer', 'data-field': sig.field_name, 'data-role': role, 'data-valid': ok ? 'true' : 'false' },
    h('h4', { class: 'signer-name' }, `${t(`role.${role}`)}: ${who}`),
    h(
      'dl',
      { class: 'facts' },
      sigFact('agency', t('f.agency'), sig.organisation || t('unknown')),
      sigFact('signing-time', t('f.signingTime'), when(sig.signing_time)),
      sigFact('timestamp', t('f.timestamp'), stamp, Boolean(sig.timestamp_time && sig.timestamp_trusted)),
      sigFact('chain', t('f.chain'), `${sig.chain_trusted ? t('chainOk') : t('chainBad')}${sig.issuer ? ` (${sig.issuer})` : ''}`, sig.chain_trusted),
      sigFact('revocation', t('f.revocation'), revocation(sig), sig.revocation_checked && !sig.revoked),
      sigFact('integrity', t('f.integrity'), sig.intact && sig.valid ? t('intact') : t('altered'), sig.intact && sig.valid),
      sigFact('validity', t('f.validity'), validity, !sig.expired_at_signing),
      sig.serial ? sigFact('serial', t('f.serial'), sig.serial) : [],
      sigFact('ltv', t('f.ltv'), sig.ltv ? t('yes') : t('no')),
      sigFact('verdict', t('f.verdict'), ok ? t('sigValid') : t('sigInvalid'), ok),
    ),
  );
}

function signerItems(report) {
  if (!report) return [];
  const sigs = report.signatures || [];
  return [
    h('h3', {}, t('signers')),
    h('p', { class: `pades-verdict ${report.valid ? 'verdict-ok' : 'verdict-bad'}` }, lang === 'en' ? report.reason_en : report.reason_vi),
    sigs.length === 0 ? h('p', {}, t('noSigners')) : h('ol', { class: 'signer-list' }, sigs.map(signerBlock)),
  ];
}

function renderVerdict(answer) {
  const ok = answer.valid === true;
  const panel = h(
    'div',
    { class: `card verdict-panel ${ok ? 'is-valid' : 'is-invalid'}` },
    h(
      'div',
      { class: 'verdict-head' },
      h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, ok ? '✓' : '✗'),
      h('h2', { class: 'verdict-title' }, ok ? t('valid') : t('invalid')),
    ),
    h('p', { class: ok ? 'verdict-ok' : 'verdict-bad' }, reasonOf(answer)),
    h(
      'dl',
      { class: 'facts' },
      fact(t('code'), answer.dossier_code, 'code'),
      fact(t('resultId'), answer.result_id, 'code'),
      fact(t('file'), answer.filename),
      fact(t('signedAt'), formatTime(answer.signed_at)),
      fact(t('origin'), answer.generated == null ? '' : answer.generated ? t('generated') : t('uploaded')),
      fact(t('algorithm'), answer.algorithm, 'code'),
      fact(t('keyId'), answer.key_id, 'code small'),
      fact(t('sha'), answer.sha256, 'code small'),
    ),
    h('h3', {}, t('checks')),
    h('ul', { class: 'check-list' }, checkItems(answer.checks)),
    signerItems(answer.pades),
  );
  replace(document.getElementById('verdict'), panel);
  document.getElementById('compare').hidden = !answer.checks?.found;
}

function showError(where, message) {
  replace(document.getElementById(where), h('div', { class: 'alert alert-error' }, h('p', { class: 'alert-text' }, message)));
}

async function readJson(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const msg = body && (lang === 'en' ? body.message_en || body.message : body.message || body.message_en);
    throw new Error(msg || t('error'));
  }
  return body;
}

function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

async function check() {
  const status = document.getElementById('status');
  replace(status, h('p', { class: 'muted' }, t('loading')));
  replace(document.getElementById('verdict'));
  try {
    const res = await fetch(`/api/verify/${encodeURIComponent(resultId)}`, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    lastAnswer = await readJson(res);
    replace(status);
    renderVerdict(lastAnswer);
    document.getElementById('title').focus();
  } catch (e) {
    replace(status);
    showError('verdict', e instanceof TypeError ? t('network') : e.message);
  }
}

// The same report for the citizen's own file: its verdict, then its own signatures as pyHanko saw them.
function renderCopy(answer) {
  const same = answer.checks?.copy_matches === true;
  const ok = same && answer.valid === true;
  replace(
    document.getElementById('copy-result'),
    h(
      'div',
      { class: `card verdict-panel copy-verdict ${ok ? 'is-valid' : 'is-invalid'}`, 'data-valid': ok ? 'true' : 'false' },
      h(
        'div',
        { class: 'verdict-head' },
        h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, ok ? '✓' : '✗'),
        h('h3', { class: 'verdict-title' }, ok ? t('copyValid') : t('copyInvalid')),
      ),
      h('p', { class: ok ? 'verdict-ok' : 'verdict-bad' }, same ? t('copySame') : t('copyDiffers'), ' ', same && !ok ? reasonOf(answer) : ''),
      h(
        'dl',
        { class: 'facts' },
        fact(t('file'), lastCopyName),
        fact(t('code'), answer.dossier_code, 'code'),
      ),
      h('h4', {}, t('checks')),
      h('ul', { class: 'check-list' }, checkItems(answer.checks)),
      signerItems(answer.pades),
    ),
  );
}

async function compare(file) {
  const out = document.getElementById('copy-result');
  document.getElementById('copy-name').textContent = file ? file.name : '';
  if (!file) return;
  lastCopyName = file.name;
  if (file.type && file.type !== 'application/pdf' && !file.name.toLowerCase().endsWith('.pdf')) {
    showError('copy-result', t('notPdf'));
    return;
  }
  if (file.size > MAX_BYTES) {
    showError('copy-result', t('tooBig'));
    return;
  }
  replace(out, h('p', { class: 'muted' }, t('loading')));
  try {
    const res = await fetch(`/api/verify/${encodeURIComponent(resultId)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/pdf', Accept: 'application/json', 'Idempotency-Key': newKey() },
      body: await file.arrayBuffer(),
      cache: 'no-store',
    });
    lastCopy = await readJson(res);
    renderCopy(lastCopy);
  } catch (e) {
    showError('copy-result', e instanceof TypeError ? t('network') : e.message);
  }
}

function start() {
  applyStatic();
  document.getElementById('lang-toggle').addEventListener('click', () => {
    lang = lang === 'en' ? 'vi' : 'en';
    localStorage.setItem(LANG_KEY, lang);
    applyStatic();
    if (lastAnswer) renderVerdict(lastAnswer);
    if (lastCopy) renderCopy(lastCopy);
  });
  const form = document.getElementById('id-form');
  const input = document.getElementById('result-id');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    resultId = input.value.trim();
    if (!resultId) return;
    const url = new URL(window.location.href);
    url.searchParams.set('id', resultId);
    window.history.replaceState(null, '', url);
    lastCopy = null;
    replace(document.getElementById('copy-result'));
    check();
  });
  document.getElementById('copy-file').addEventListener('change', (ev) => compare(ev.target.files?.[0]));

  resultId = (new URLSearchParams(window.location.search).get('id') || '').trim();
  if (!resultId) {
    form.hidden = false;
    showError('status', t('noId'));
    input.focus();
    return;
  }
  input.value = resultId;
  form.hidden = false;
  check();
}

start();
