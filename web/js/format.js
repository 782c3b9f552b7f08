// Display formats, the one place every page takes them from: dates dd/MM/yyyy, times 24-hour in
// Asia/Ho_Chi_Minh and numbers grouped the Vietnamese way (1.500.000), whatever the browser's
// language. The API speaks ISO UTC and plain numbers.
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

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "dd/MM/yyyy": a calendar day ("1990-05-12") as it is, an instant in Asia/Ho_Chi_Minh. */
export function formatDate(iso) {
  const day = DAY.exec(String(iso || ''));
  if (day) return `${day[3]}/${day[2]}/${day[1]}`;
  const p = parts(iso);
  if (!p) return iso ? String(iso) : '—';
  return `${p.day}/${p.month}/${p.year}`;
}

/** "MM/yyyy" from "yyyy-MM" (a month picker's value, a report's month). */
export function formatMonth(month) {
  const m = /^(\d{4})-(\d{2})$/.exec(String(month || ''));
  return m ? `${m[2]}/${m[1]}` : String(month || '');
}

/** A <time> element with the machine-readable instant. */
export function timeEl(iso) {
  const el = document.createElement('time');
  if (iso) el.dateTime = iso;
  el.textContent = formatDateTime(iso);
  return el;
}

// Plain digits with "." before decimals, never grouped and never in exponent form.
const plainDigits = new Intl.NumberFormat('en-US', { useGrouping: false, maximumFractionDigits: 10 });

/** Digits in threes with dots, a decimal comma: "1.500.000", "12,5" (not the browser's locale). */
export function formatNumber(value, { group = true } = {}) {
  const n = Number(value);
  if (value == null || value === '' || !Number.isFinite(n)) return value == null || value === '' ? '—' : String(value);
  const [whole, fraction] = plainDigits.format(Math.abs(n)).split('.');
  const grouped = group ? whole.replace(/\B(?=(\d{3})+$)/g, '.') : whole;
  return `${n < 0 ? '-' : ''}${grouped}${fraction ? `,${fraction}` : ''}`;
}

/** An amount of đồng: "1.500.000 đ"; nothing owed → "Không thu". */
export function formatMoney(vnd) {
  const n = Number(vnd || 0);
  if (n === 0) return t('fee.none');
  return `${formatNumber(n)} đ`;
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
