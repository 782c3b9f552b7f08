// Display formats. The API speaks ISO UTC; people read Vietnam time.
import { t, getLang } from './i18n.js';

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const dateTimeFmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function parts(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return Object.fromEntries(dateTimeFmt.formatToParts(date).map((p) => [p.type, p.value]));
}

/** "HH:mm dd/MM/yyyy" in Asia/Ho_Chi_Minh, or "—" when absent. */
export function formatDateTime(iso) {
  const p = parts(iso);
  if (!p) return iso ? String(iso) : '—';
  return `${p.hour}:${p.minute} ${p.day}/${p.month}/${p.year}`;
}

/** "dd/MM/yyyy" in Asia/Ho_Chi_Minh. */
export function formatDate(iso) {
  const p = parts(iso);
  if (!p) return iso ? String(iso) : '—';
  return `${p.day}/${p.month}/${p.year}`;
}

/** A <time> element with the machine-readable instant. */
export function timeEl(iso) {
  const el = document.createElement('time');
  if (iso) el.dateTime = iso;
  el.textContent = formatDateTime(iso);
  return el;
}

export function formatMoney(vnd) {
  const n = Number(vnd || 0);
  if (n === 0) return t('fee.none');
  return `${new Intl.NumberFormat('vi-VN').format(n)} đ`;
}

/**
 * A percentage (a value already in percent, e.g. 94 for 94 %): "94,0 %" in Vietnamese, "94.0 %" in
 * English; one decimal always; "—" when there is none. The one rule every page uses for "%".
 */
export function formatPercent(percent) {
  if (percent == null || percent === '' || Number.isNaN(Number(percent))) return '—';
  const locale = getLang() === 'en' ? 'en-GB' : 'vi-VN';
  const n = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(Number(percent));
  return `${n} %`;
}

/** A ratio 0..1 as a percentage: 0.94 → "94,0 %". */
export const formatRatio = (ratio) => (ratio == null ? '—' : formatPercent(Number(ratio) * 100));

export function formatBytes(bytes) {
  const n = Number(bytes || 0);
  const locale = getLang() === 'en' ? 'en-GB' : 'vi-VN';
  const num = (x) => new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(x);
  if (n >= 1024 * 1024) return `${num(n / (1024 * 1024))} MB`;
  if (n >= 1024) return `${num(n / 1024)} KB`;
  return `${n} B`;
}

/** {amount, unit} -> "15 ngày làm việc". */
export function formatDuration(d) {
  if (!d) return '—';
  if (typeof d === 'string' || typeof d === 'number') return String(d);
  const key = d.unit === 'working_hours' ? 'duration.hours' : 'duration.days';
  return t(key, { n: d.amount });
}
