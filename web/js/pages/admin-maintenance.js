// Admin: planned downtime (NĐ 224/2026 Đ13). A window is announced at least 7 working days ahead
// (the API counts them with the province's calendar and names the earliest date it accepts); an
// emergency may start at once but must say why. Every page shows the banner from the moment the
// window is announced; a cancelled window leaves the banner and stays in this list.
import { h, replace } from '../dom.js';
import { getLang } from '../i18n.js';
import { get, post } from '../api.js';
import { pageTitle, card, busy, showNotice, loadInto, empty } from '../ui.js';
import { strings, cell, cellError, formErrors, td } from './admin-common.js';
import { formatDateTime } from '../format.js';
import { naturalInput, naturalHint, readNatural } from '../natural.js';
import { loadMaintenance } from '../maintenance.js';

const s = strings({
  title: ['Bảo trì hệ thống', 'System maintenance'],
  lead: ['Theo Nghị định 224/2026/NĐ-CP (Điều 13), việc tạm dừng hệ thống để bảo trì phải được thông báo trước ít nhất 07 ngày làm việc. Thông báo hiện trên mọi trang ngay khi lưu. Sự cố khẩn cấp có thể bảo trì ngay, nhưng phải nêu lý do.', 'Under Decree 224/2026 (Art. 13) planned downtime is announced at least 7 working days ahead. The notice shows on every page as soon as it is saved. An emergency may start at once but must say why.'],
  announce: ['Thông báo đợt bảo trì', 'Announce a window'],
  starts: ['Bắt đầu', 'Starts'],
  ends: ['Kết thúc', 'Ends'],
  reason: ['Nội dung thông báo (tiếng Việt)', 'Notice (Vietnamese)'],
  reasonEn: ['Nội dung thông báo (tiếng Anh, không bắt buộc)', 'Notice (English, optional)'],
  services: ['Dịch vụ bị ảnh hưởng (để trống: toàn bộ cổng)', 'Services affected (empty: the whole portal)'],
  emergency: ['Khẩn cấp (không cần báo trước 7 ngày làm việc)', 'Emergency (no 7 working days notice)'],
  emergencyReason: ['Lý do khẩn cấp', 'Why it is urgent'],
  save: ['Thông báo', 'Announce'],
  saved: ['Đã thông báo; biểu ngữ đã hiện trên cổng.', 'Announced; the banner is on the portal.'],
  list: ['Các đợt đã thông báo, chưa kết thúc', 'Announced windows not yet over'],
  none: ['Chưa có đợt bảo trì nào sắp tới.', 'No upcoming maintenance.'],
  when: ['Thời gian', 'When'],
  what: ['Nội dung', 'Notice'],
  by: ['Người thông báo', 'Announced by'],
  state: ['Trạng thái', 'State'],
  planned: ['Theo kế hoạch', 'Planned'],
  urgent: ['Khẩn cấp', 'Emergency'],
  now: ['Đang bảo trì', 'In progress'],
  cancelled: ['Đã hủy', 'Cancelled'],
  cancel: ['Hủy đợt này', 'Cancel it'],
  cancelledOk: ['Đã hủy đợt bảo trì.', 'The window was cancelled.'],
});

function stateOf(w) {
  if (w.cancelled) return s('cancelled');
  if (w.in_progress) return s('now');
  return w.emergency ? s('urgent') : s('planned');
}

export async function render(view) {
  const list = h('div', { id: 'maint-list' });
  const fields = {
    starts_at: cell(s('starts'), naturalInput('datetime', { name: 'starts_at', required: true }), { hint: naturalHint('datetime') }),
    ends_at: cell(s('ends'), naturalInput('datetime', { name: 'ends_at', required: true }), { hint: naturalHint('datetime') }),
    reason: cell(s('reason'), h('textarea', { name: 'reason', maxlength: 500, rows: 2, required: true })),
    reason_en: cell(s('reasonEn'), h('textarea', { name: 'reason_en', maxlength: 500, rows: 2 })),
    services: cell(s('services'), h('input', { type: 'text', name: 'services', maxlength: 300 })),
    emergency: cell(s('emergency'), h('input', { type: 'checkbox', name: 'emergency' })),
    emergency_reason: cell(s('emergencyReason'), h('input', { type: 'text', name: 'emergency_reason', maxlength: 500 })),
  };
  const { slot, show: showErr } = formErrors(fields);
  const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, s('save'));
  const form = h('form', { class: 'form admin-grid', id: 'maint-form', novalidate: true }, Object.values(fields).map((c) => c.wrap), slot, h('div', { class: 'btn-row' }, saveBtn));

  function draw(body) {
    const items = body?.items || [];
    if (!items.length) return replace(list, empty(s('none')));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'maint-table' },
      h('thead', {}, h('tr', {}, [s('when'), s('what'), s('by'), s('state'), ''].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, items.map((w) => {
        const btn = w.cancelled ? '' : h('button', { type: 'button', class: 'btn btn-link btn-small' }, s('cancel'));
        if (btn) {
          btn.addEventListener('click', () => busy(btn, async () => {
            await post(`/api/admin/maintenance/${encodeURIComponent(w.id)}/cancel`, { version: w.version });
            showNotice(s('cancelledOk'));
            await Promise.all([load(), loadMaintenance()]);
          }));
        }
        const text = getLang() === 'en' ? w.reason_en || w.reason : w.reason;
        return h('tr', { dataset: { id: w.id } },
          td(s('when'), `${formatDateTime(w.starts_at)} → ${formatDateTime(w.ends_at)}`),
          td(s('what'), text, w.emergency_reason ? h('div', { class: 'small muted' }, w.emergency_reason) : ''),
          td(s('by'), w.announced_by),
          td(s('state'), stateOf(w)),
          td('', btn));
      })))));
  }
  const load = () => loadInto(list, () => get('/api/admin/maintenance'), draw);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const starts = readNatural('datetime', fields.starts_at.input.value, s('starts'));
    const ends = readNatural('datetime', fields.ends_at.input.value, s('ends'));
    cellError(fields.starts_at, starts.problem);
    cellError(fields.ends_at, ends.problem);
    if (starts.problem || ends.problem) {
      (starts.problem ? fields.starts_at : fields.ends_at).input.focus();
      return;
    }
    busy(saveBtn, async () => {
      try {
        await post('/api/admin/maintenance', {
          starts_at: starts.value || null,
          ends_at: ends.value || null,
          reason: fields.reason.input.value.trim(),
          reason_en: fields.reason_en.input.value.trim(),
          services: fields.services.input.value.trim(),
          emergency: fields.emergency.input.checked,
          emergency_reason: fields.emergency_reason.input.value.trim(),
        });
        showErr(null);
        form.reset();
        showNotice(s('saved'));
        await Promise.all([load(), loadMaintenance()]);
      } catch (err) {
        showErr(err);
        throw err;
      }
    });
  });

  view.append(pageTitle(s('title'), h('p', { class: 'muted' }, s('lead'))),
    card(h('h2', {}, s('list')), list),
    card(h('h2', {}, s('announce')), form));
  await load();
}
