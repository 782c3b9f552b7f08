// Admin: signing certificates (PAdES, issue 19). Each agency (organisation certificate) and each
// official who signs results has a key held by the signing service (KMS) and a certificate a
// licensed CA issued for it. The list shows subject, serial, validity and status; the form
// registers a certificate for a key, or rotates the holder's (the new one replaces the old);
// revoking stops its use for signing at once. The API checks the key, the validity and the chain
// to the trust root and says what is wrong under the field.
import { h, replace } from '../dom.js';
import { get, post } from '../api.js';
import { pageTitle, card, busy, showNotice, loadInto, empty } from '../ui.js';
import { strings, cell, cellError, formErrors, select, td } from './admin-common.js';
import { formatDate, formatDateTime } from '../format.js';

const s = strings({
  title: ['Chứng thư số ký văn bản', 'Signing certificates'],
  lead: ['Văn bản điện tử do cơ quan ban hành được ký số theo định dạng PAdES: người có thẩm quyền ký trước, cơ quan ký sau (Nghị định 30/2020/NĐ-CP). Mỗi cơ quan, mỗi người ký có một khóa do dịch vụ ký số giữ và một chứng thư số do tổ chức cung cấp dịch vụ chứng thực chữ ký số cấp cho khóa đó. Chứng thư hết hạn hoặc bị thu hồi thì không ký được, hồ sơ chờ đến khi có chứng thư mới.', 'Documents the agencies issue carry PAdES signatures: the official first, then the agency (Decree 30/2020). Each agency and each official has a key held by the signing service and a certificate a licensed CA issued for it. An expired or revoked certificate signs nothing; dossiers wait until a new one is registered.'],
  list: ['Chứng thư số đang quản lý', 'Certificates on record'],
  kindFilter: ['Loại', 'Kind'],
  any: ['Tất cả', 'All'],
  agency: ['Cơ quan (chứng thư tổ chức)', 'Agency (organisation)'],
  official: ['Người có thẩm quyền ký', 'Official'],
  none: ['Chưa có chứng thư số nào.', 'No certificates on record.'],
  holder: ['Cơ quan / người ký', 'Agency / official'],
  subject: ['Chủ thể chứng thư', 'Subject'],
  serial: ['Số hiệu (serial)', 'Serial'],
  validity: ['Hiệu lực', 'Validity'],
  status: ['Trạng thái', 'Status'],
  daysLeft: ['còn {n} ngày', '{n} days left'],
  'st.in_force': ['Còn hiệu lực', 'In force'],
  'st.expiring': ['Sắp hết hạn', 'Expiring soon'],
  'st.expired': ['Đã hết hạn', 'Expired'],
  'st.not_yet_valid': ['Chưa có hiệu lực', 'Not yet valid'],
  'st.revoked': ['Đã thu hồi', 'Revoked'],
  revokedAt: ['thu hồi lúc {at}', 'revoked {at}'],
  rotate: ['Thay chứng thư', 'Rotate'],
  revoke: ['Thu hồi', 'Revoke'],
  revokeReason: ['Lý do thu hồi', 'Reason for revoking'],
  revokeConfirm: ['Xác nhận thu hồi', 'Confirm revocation'],
  revokeCancel: ['Không thu hồi', 'Keep it'],
  revoked: ['Đã thu hồi chứng thư số của {holder}; từ nay không dùng để ký.', 'The certificate of {holder} was revoked; it signs nothing from now on.'],
  register: ['Đăng ký hoặc thay chứng thư số', 'Register or rotate a certificate'],
  registerLead: ['Dán chứng thư số (PEM) do CA cấp cho khóa ký, hoặc chọn tệp .pem/.crt. Nếu cơ quan hoặc người ký đã có chứng thư, chứng thư mới sẽ thay chứng thư cũ.', 'Paste the PEM certificate the CA issued for the key, or choose a .pem/.crt file. A holder who already has one gets the new one instead.'],
  kind: ['Loại chứng thư', 'Kind'],
  holderField: ['Mã đơn vị hoặc tên đăng nhập người ký', 'Unit code or the official\'s username'],
  keyId: ['Mã khóa ký (KMS key id hoặc ARN)', 'Signing key (KMS key id or ARN)'],
  cert: ['Chứng thư số (PEM)', 'Certificate (PEM)'],
  chain: ['Chuỗi chứng thư của CA (PEM, CA trung gian)', 'CA chain (PEM, intermediates)'],
  file: ['Chọn tệp', 'Choose a file'],
  required: ['Hãy nhập {field}.', 'Enter the {field}.'],
  save: ['Đăng ký chứng thư', 'Register certificate'],
  saved: ['Đã đăng ký chứng thư số của {holder} (số hiệu {serial}).', 'Registered the certificate of {holder} (serial {serial}).'],
  replaced: ['Đã thay chứng thư số của {holder}: số hiệu {serial} thay cho {old}.', 'Rotated the certificate of {holder}: serial {serial} replaces {old}.'],
});

const BADGE = { in_force: 'badge-ok', expiring: 'badge-soon', expired: 'badge-late', not_yet_valid: 'badge-soon', revoked: 'badge-late' };

function fileInto(textarea, label) {
  const input = h('input', { type: 'file', accept: '.pem,.crt,.cer,application/x-pem-file', 'aria-label': label });
  input.addEventListener('change', async () => {
    const f = input.files && input.files[0];
    if (f) textarea.value = (await f.text()).trim();
  });
  return input;
}

export async function render(view) {
  const list = h('div', { id: 'cert-list' });
  const kindSel = select('kind', [['', s('any')], ['agency', s('agency')], ['official', s('official')]]);
  const filter = cell(s('kindFilter'), kindSel);
  kindSel.addEventListener('change', () => load());

  const fields = {
    kind: cell(s('kind'), select('kind', [['agency', s('agency')], ['official', s('official')]], 'agency')),
    holder: cell(s('holderField'), h('input', { type: 'text', name: 'holder', maxlength: 120, required: true, autocomplete: 'off', spellcheck: 'false' })),
    key_id: cell(s('keyId'), h('input', { type: 'text', name: 'key_id', maxlength: 300, required: true, autocomplete: 'off', spellcheck: 'false' })),
    cert_pem: cell(s('cert'), h('textarea', { name: 'cert_pem', rows: 6, required: true, spellcheck: 'false', class: 'mono' })),
    chain_pem: cell(s('chain'), h('textarea', { name: 'chain_pem', rows: 4, spellcheck: 'false', class: 'mono' })),
  };
  fields.cert_pem.wrap.append(fileInto(fields.cert_pem.input, `${s('file')}: ${s('cert')}`));
  fields.chain_pem.wrap.append(fileInto(fields.chain_pem.input, `${s('file')}: ${s('chain')}`));
  const { slot, show: showErr } = formErrors(fields);
  const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, s('save'));
  const form = h('form', { class: 'form', id: 'cert-form', novalidate: true }, h('p', { class: 'muted' }, s('registerLead')), Object.values(fields).map((c) => c.wrap), slot, h('div', { class: 'btn-row' }, saveBtn));

  function statusCell(c) {
    const extra = c.status === 'revoked' && c.revoked_at
      ? s('revokedAt', { at: formatDateTime(c.revoked_at) })
      : (c.status === 'in_force' || c.status === 'expiring') ? s('daysLeft', { n: c.days_left }) : '';
    return [h('span', { class: `badge ${BADGE[c.status] || ''} cert-status` }, s(`st.${c.status}`)), extra && h('div', { class: 'small muted' }, extra)];
  }

  function revokeForm(c, row) {
    const reason = h('input', { type: 'text', name: 'reason', maxlength: 500, 'aria-label': s('revokeReason'), placeholder: s('revokeReason') });
    const ok = h('button', { type: 'button', class: 'btn btn-danger btn-small' }, s('revokeConfirm'));
    const no = h('button', { type: 'button', class: 'btn btn-link btn-small' }, s('revokeCancel'));
    const box = h('div', { class: 'cert-revoke' }, reason, ok, no);
    no.addEventListener('click', () => box.remove());
    ok.addEventListener('click', () => busy(ok, async () => {
      await post(`/api/admin/certificates/${encodeURIComponent(c.kind)}/${encodeURIComponent(c.holder)}/revoke`, { reason: reason.value.trim() });
      showNotice(s('revoked', { holder: c.holder }));
      await load();
    }));
    row.querySelector('td:last-child').append(box);
    reason.focus();
  }

  function draw(body) {
    const items = body?.items || [];
    if (!items.length) return replace(list, empty(s('none')));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'cert-table' },
      h('thead', {}, h('tr', {}, [s('holder'), s('subject'), s('serial'), s('validity'), s('status'), ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, items.map((c) => {
        const rotate = h('button', { type: 'button', class: 'btn btn-link btn-small' }, s('rotate'));
        rotate.addEventListener('click', () => {
          fields.kind.input.value = c.kind;
          fields.holder.input.value = c.holder;
          fields.key_id.input.focus();
        });
        const row = h('tr', { dataset: { kind: c.kind, holder: c.holder } },
          td(s('holder'), h('span', { class: 'code' }, c.holder), h('div', { class: 'small muted' }, s(c.kind))),
          td(s('subject'), c.subject, c.title && h('div', { class: 'small' }, c.title), c.organisation && c.organisation !== c.subject ? h('div', { class: 'small muted' }, c.organisation) : ''),
          td(s('serial'), h('span', { class: 'code small' }, c.serial)),
          td(s('validity'), `${formatDate(c.not_before)} → ${formatDate(c.not_after)}`),
          td(s('status'), ...statusCell(c)),
          td('', rotate));
        if (c.status !== 'revoked') {
          const revoke = h('button', { type: 'button', class: 'btn btn-link btn-small' }, s('revoke'));
          revoke.addEventListener('click', () => { if (!row.querySelector('.cert-revoke')) revokeForm(c, row); });
          row.querySelector('td:last-child').append(revoke);
        }
        return row;
      })))));
  }
  const load = () => loadInto(list, () => get('/api/admin/certificates', kindSel.value ? { kind: kindSel.value } : {}), draw);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = Object.fromEntries(Object.entries(fields).map(([k, c]) => [k, c.input.value.trim()]));
    const missing = ['holder', 'key_id', 'cert_pem'].find((k) => !body[k]);
    showErr(null);
    if (missing) {
      cellError(fields[missing], s('required', { field: fields[missing].wrap.querySelector('label').textContent }));
      fields[missing].input.focus();
      return;
    }
    busy(saveBtn, async () => {
      try {
        const out = await post('/api/admin/certificates', body);
        form.reset();
        showNotice(out.replaced_serial
          ? s('replaced', { holder: out.holder, serial: out.serial, old: out.replaced_serial })
          : s('saved', { holder: out.holder, serial: out.serial }));
        await load();
      } catch (err) {
        showErr(err);
        throw err;
      }
    });
  });

  view.append(pageTitle(s('title'), h('p', { class: 'muted' }, s('lead'))),
    card(h('h2', {}, s('list')), h('div', { class: 'admin-filter' }, filter.wrap), list),
    card(h('h2', {}, s('register')), form));
  await load();
}
