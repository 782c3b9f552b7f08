// A dossier's history as a timeline; action names are translated where known.
import { h } from './dom.js';
import { t, getLang, has } from './i18n.js';
import { timeEl } from './format.js';
import { empty } from './ui.js';
import { unitLabel } from './levels.js';

const STATUS_VI = { 1: 'Mới đăng ký', 2: 'Đã tiếp nhận', 3: 'Từ chối tiếp nhận', 4: 'Đang xử lý', 5: 'Yêu cầu bổ sung', 6: 'Chờ thực hiện nghĩa vụ tài chính', 7: 'Công dân yêu cầu rút hồ sơ', 8: 'Dừng xử lý', 9: 'Đã xử lý xong', 10: 'Đã trả kết quả' };
const STATUS_EN = { 1: 'New', 2: 'Received', 3: 'Refused', 4: 'Processing', 5: 'Supplement requested', 6: 'Awaiting fee payment', 7: 'Withdrawn', 8: 'Stopped', 9: 'Processed', 10: 'Result returned' };

/** A to_status may be a number or {code, label_vi, label_en}. */
export function statusText(s) {
  if (s == null) return '';
  if (typeof s === 'object') return getLang() === 'en' ? s.label_en || s.label_vi : s.label_vi || s.label_en;
  return (getLang() === 'en' ? STATUS_EN : STATUS_VI)[s] || String(s);
}

/** A history action in words; unknown ones get a neutral label (alarms: a generic warning). */
function actionText(action) {
  if (has(`action.${action}`)) return t(`action.${action}`);
  return String(action || '').startsWith('alarm_') ? t('action.alarm') : t('action.other');
}

export function timeline(history) {
  if (!history?.length) return empty(t('timeline.empty'));
  const events = [...history].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  return h('ol', { class: 'timeline' }, events.map((e) => h('li', { class: 'tl-item' },
    h('div', { class: 'tl-time' }, timeEl(e.at)),
    h('div', { class: 'tl-body' },
      h('strong', { 'data-action': e.action || '' }, actionText(e.action)),
      e.to_status != null && h('span', { class: 'tl-status' }, ` → ${statusText(e.to_status)}`),
      e.agency_name || e.agency ? h('div', { class: 'small muted' }, unitLabel(e.agency, e.agency_name)) : null,
      e.actor_name ? h('div', { class: 'small muted tl-actor' }, e.actor_name) : null,
      e.note && h('p', { class: 'tl-note' }, e.note)))));
}
