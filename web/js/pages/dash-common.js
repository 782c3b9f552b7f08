// Shared pieces of the QĐ 766 dashboard, reports, alerts and transparency pages: months, numbers,
// plain CSS bars and an inline-SVG line chart (no libraries, no external resources).
import { h } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { TIME_ZONE, formatRatio, formatMonth } from '../format.js';
import { naturalInput, naturalHint, readNatural } from '../natural.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The current month in Vietnam time, "YYYY-MM". */
export function thisMonth() {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit' })
    .formatToParts(new Date()).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}`;
}

export const isMonth = (v) => /^\d{4}-(0[1-9]|1[0-2])$/.test(String(v || ''));

/** "11/2026" from "2026-11". */
export const monthLabel = formatMonth;

/** A number in the current language ("92,97" in Vietnamese); null → "—". */
export function num(v, digits = 2) {
  if (v == null || Number.isNaN(Number(v))) return '—';
  return new Intl.NumberFormat(getLang() === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: digits }).format(Number(v));
}

/** A ratio 0..1 as "94,0 %" (format.js holds the rule). */
export const pct = formatRatio;

/** The name in the current language from an object with name_vi / name_en. */
export const nameOf = (o) => (getLang() === 'en' ? o?.name_en || o?.name_vi : o?.name_vi || o?.name_en) || o?.id || '';

/** A horizontal bar for `value` out of `max` (CSS only), with the number beside it. */
export function bar(value, max = 100, { label } = {}) {
  if (value == null) return h('span', { class: 'muted dash-na' }, t('dash.noScore'));
  const share = Math.max(0, Math.min(1, Number(value) / (Number(max) || 1)));
  const tone = share >= 0.8 ? 'good' : share >= 0.5 ? 'fair' : 'poor';
  return h('span', { class: 'dash-bar-wrap' },
    h('span', { class: `dash-bar dash-bar-${tone}`, 'aria-hidden': 'true' },
      h('span', { class: 'dash-bar-fill', style: `width:${(share * 100).toFixed(1)}%` })),
    h('span', { class: 'dash-bar-num' }, label ?? num(value)));
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/**
 * A line chart of `points` [{label, value|null}] on a 0..100 scale, as inline SVG with a title and
 * a description; missing values break the line and are marked with a hollow tick.
 */
export function lineChart(points, { title, desc, max = 100 } = {}) {
  const W = 640; const H = 240; const L = 40; const R = 28; const T = 16; const B = 36;
  const n = points.length;
  const x = (i) => L + (n <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const y = (v) => T + (1 - Math.max(0, Math.min(max, v)) / max) * (H - T - B);
  const tid = `chart-t-${Math.random().toString(36).slice(2, 8)}`;
  const grid = [0, 25, 50, 75, 100].map((g) => [
    svg('line', { x1: L, x2: W - R, y1: y(g), y2: y(g), class: 'chart-grid' }),
    svg('text', { x: L - 6, y: y(g) + 4, 'text-anchor': 'end', class: 'chart-axis' }, String(g)),
  ]);
  const segs = [];
  let cur = [];
  points.forEach((p, i) => {
    if (p.value == null) {
      if (cur.length) segs.push(cur);
      cur = [];
    } else cur.push(`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
  });
  if (cur.length) segs.push(cur);
  const lines = segs.map((s) => (s.length > 1
    ? svg('polyline', { points: s.join(' '), class: 'chart-line', fill: 'none' })
    : null));
  const dots = points.map((p, i) => (p.value == null
    ? svg('g', { class: 'chart-missing' },
      svg('circle', { cx: x(i), cy: y(0), r: 4, fill: 'none' }),
      svg('title', {}, `${p.label}: ${t('dash.noScore')}`))
    : svg('g', {},
      svg('circle', { cx: x(i), cy: y(p.value), r: 4, class: 'chart-dot' }),
      svg('text', { x: x(i), y: y(p.value) - 8, 'text-anchor': 'middle', class: 'chart-val' }, num(p.value, 1)),
      svg('title', {}, `${p.label}: ${num(p.value)}`))));
  const labels = points.map((p, i) => svg('text', { x: x(i), y: H - 12, 'text-anchor': 'middle', class: 'chart-axis' }, p.label));
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'dash-chart', role: 'img', 'aria-labelledby': tid, preserveAspectRatio: 'xMidYMid meet' },
    svg('title', { id: tid }, [title, desc].filter(Boolean).join('. ')),
    grid, lines, dots, labels);
}

/** A month field ("12/2026", with its hint) and a button; calls `onpick("2026-12")`. */
export function monthPicker(value, onpick, { id = 'dash-month' } = {}) {
  const input = naturalInput('month', { id, name: 'month', required: true, 'aria-describedby': `${id}-hint ${id}-err` }, value);
  const error = h('p', { class: 'field-error dash-filter-note', id: `${id}-err`, hidden: true });
  const form = h('form', { class: 'dash-filter', novalidate: true },
    h('label', { for: id }, t('dash.month')), input,
    h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('dash.show')),
    h('p', { class: 'field-hint dash-filter-note', id: `${id}-hint` }, naturalHint('month')), error);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const { value: month, problem } = readNatural('month', input.value, t('dash.month'));
    const message = problem || (!month ? t('form.requiredEnter', { field: t('dash.month') })
      : month > thisMonth() ? t('dash.monthFuture', { month: formatMonth(month) }) : '');
    error.textContent = message;
    error.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    if (message) input.focus();
    else onpick(month);
  });
  return form;
}
