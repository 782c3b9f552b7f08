// Natural input: numbers, dates, date-times and months typed as Vietnamese people write them,
// whatever the browser's language (no native date/number controls: those follow the browser's
// locale, "05/12/1990" and "December 2026" on an English one, and a number control turns
// "500.000.000" into 500). What is sent to the API stays a number or an ISO string.
// parseNumber mirrors chalicelib/domain/form_input.py (the shared cases: tests/support/number_cases.py).
import { h } from './dom.js';
import { t } from './i18n.js';
import { formatDate, formatDateTime, formatMonth, formatNumber } from './format.js';

export const MAX_DIGITS = 15; // a browser's number holds 15 digits exactly
const SHAPE = /^\d+(?:[., ]\d+)*$/;
const CURRENCY = /\s*(?:đồng|đ|vnđ|vnd)\.?$/i;

/** '1500000' → '1.500.000'. */
const groupVi = (digits) => digits.replace(/\B(?=(\d{3})+$)/g, '.');

/** Groups of a thousands-separated integer: 1-3 digits without a leading zero, then threes. */
const grouped = (groups) => groups[0].length >= 1 && groups[0].length <= 3 && !groups[0].startsWith('0')
  && groups.slice(1).every((g) => g.length === 3);

const fail = (reason, readings = ['', '']) => ({ ok: false, reason, readings });
const given = (attrs) => Object.fromEntries(Object.entries(attrs || {}).filter(([, v]) => v != null));

function value(whole, fraction, integer) {
  if ((whole + fraction).replace(/^0+/, '').length > MAX_DIGITS) return fail('too_long');
  if (/^0*$/.test(fraction)) return { ok: true, value: Number(whole) };
  if (integer) return fail('not_integer');
  return { ok: true, value: Number(`${whole}.${fraction}`) };
}

function ambiguous(whole, fraction) {
  const decimal = fraction.replace(/0+$/, '');
  return fail('ambiguous', [groupVi(whole + fraction), decimal ? `${whole},${decimal}` : whole]);
}

/**
 * The number `text` means: {ok: true, value} or {ok: false, reason: not_number | not_integer |
 * ambiguous | too_long, readings}. In an integer field a lone "." before three digits is thousands
 * (Vietnamese "1.500"); a lone "," before three digits could be 1,5 or 1.500 and is refused.
 */
export function parseNumber(text, { integer = false } = {}) {
  let s = String(text ?? '').normalize('NFC').trim().replace(CURRENCY, '').trim();
  const negative = s.startsWith('-') || s.startsWith('−');
  if (/^[-−+]/.test(s)) s = s.slice(1).trimStart();
  s = s.replace(/[\s\u00a0\u202f\u2009]/g, ' ');
  if (!SHAPE.test(s)) return fail('not_number');
  const seps = s.match(/[., ]/g) || [];
  const kinds = [...new Set(seps)];
  const groups = s.split(/[., ]/);
  let out;
  if (!seps.length) out = value(s, '', integer);
  else if (kinds.length === 1 && (seps.length > 1 || kinds[0] === ' ')) {
    out = grouped(groups) ? value(groups.join(''), '', integer) : fail('not_number');
  } else if (kinds.length === 1) {
    const [whole, fraction] = groups;
    if (fraction.length === 3 && grouped(groups)) {
      out = kinds[0] === '.' && integer ? value(whole + fraction, '', integer) : ambiguous(whole, fraction);
    } else out = value(whole, fraction, integer);
  } else if (kinds.length === 2 && seps.filter((c) => c === seps[seps.length - 1]).length === 1 && seps[seps.length - 1] !== ' ') {
    // thousands with one mark, the decimals after the other ("1.500,5"); three digits after it
    // may be one more group written with another mark ("1 500.000")
    const head = groups.slice(0, -1);
    const fraction = groups[groups.length - 1];
    if (!grouped(head)) out = fail('not_number');
    else if (fraction.length === 3) out = ambiguous(head.join(''), fraction);
    else out = value(head.join(''), fraction, integer);
  } else out = fail('not_number');
  if (out.ok && negative && out.value !== 0) out.value = -out.value;
  return out;
}

/** Whether a number field shows its digits grouped: not for years and other small bounded ones. */
export const groupsDigits = (prop) => !(prop?.maximum != null && Number(prop.maximum) < 10000);

/** A number of a schema property as the person reads it: "500.000.000", "12,5", "2015". */
export const showNumber = (prop, n) => formatNumber(n, { group: groupsDigits(prop) });

/** The field message for a failed parseNumber. */
export function numberProblem(problem, label, text) {
  const f = { field: label, text: String(text).trim() };
  if (problem.reason === 'ambiguous') return t('form.numberAmbiguous', { ...f, a: problem.readings[0], b: problem.readings[1] });
  if (problem.reason === 'not_integer') return t('form.notInteger', f);
  if (problem.reason === 'too_long') return t('form.numberTooLong', { ...f, n: MAX_DIGITS });
  return t('form.notNumber', f);
}

/**
 * A text input for a number (`integer` or not), typed the Vietnamese way and shown grouped once
 * left ("500.000.000"); type=number is not used: it follows the browser's locale and reads
 * "500.000.000" as 500. `prop` (a schema property) decides the grouping, see groupsDigits.
 */
export function numberInput({ integer = true, prop = {} } = {}, attrs = {}, value = null) {
  const input = h('input', {
    type: 'text', inputmode: integer ? 'numeric' : 'decimal', autocomplete: 'off', ...given(attrs),
    dataset: { number: integer ? 'integer' : 'number', ...(attrs.dataset || {}) },
  });
  if (value != null && value !== '') input.value = typeof value === 'number' ? showNumber(prop, value) : String(value);
  input.addEventListener('change', () => {
    const r = parseNumber(input.value, { integer });
    if (r.ok) input.value = showNumber(prop, r.value);
  });
  return input;
}

/** {value (a number, or null when empty or unreadable), problem ('' or the field's message)}. */
export function readNumber(text, { integer = true } = {}, label = '') {
  const raw = String(text ?? '').trim();
  if (!raw) return { value: null, problem: '' };
  const r = parseNumber(raw, { integer });
  return r.ok ? { value: r.value, problem: '' } : { value: null, problem: numberProblem(r, label, raw) };
}

// ---- dates ------------------------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');
const daysIn = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const DMY = /^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d+)$/;
const YMD = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

function day(y, m, d) {
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) return fail('invalid');
  return { ok: true, value: `${y}-${pad(m)}-${pad(d)}` };
}

/** "12/05/1990", "12-5-1990", "12.05.1990" (day first) or ISO "1990-05-12" → {ok, value: ISO}. */
export function parseDate(text) {
  const s = String(text ?? '').trim();
  const iso = YMD.exec(s);
  if (iso) return day(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const m = DMY.exec(s);
  if (!m) return fail('format');
  if (m[4].length !== 4) return fail('year');
  return day(Number(m[4]), Number(m[3]), Number(m[1]));
}

const TIME = /^(\d{1,2})\s*[:hg]\s*(\d{2})$/i;

/**
 * "16:00 01/05/2027" (also "01/05/2027 16:00", "16h00, 1/5/2027", ISO "2027-05-01T16:00"), read
 * as Vietnam time → {ok, value: "2027-05-01T16:00:00+07:00"}.
 */
export function parseDateTime(text) {
  const s = String(text ?? '').trim().replace(/\s*,\s*/g, ' ').replace(/\s+/g, ' ');
  const iso = /^(\d{4}-\d{1,2}-\d{1,2})[T ](\d{1,2}:\d{2})(?::\d{2})?$/.exec(s);
  const words = s.split(' ');
  let datePart = '';
  let timePart = '';
  if (iso) [datePart, timePart] = [iso[1], iso[2]];
  else if (words.length === 2 && TIME.test(words[0])) [timePart, datePart] = words;
  else if (words.length === 2 && TIME.test(words[1])) [datePart, timePart] = words;
  else return fail(parseDate(s).ok ? 'time' : 'format');
  const d = parseDate(datePart);
  if (!d.ok) return d;
  const tm = TIME.exec(timePart);
  const hh = Number(tm[1]);
  const mm = Number(tm[2]);
  if (hh > 23 || mm > 59) return fail('invalid');
  return { ok: true, value: `${d.value}T${pad(hh)}:${pad(mm)}:00+07:00` };
}

/** "12/2026", "12-2026" or ISO "2026-12" → {ok, value: "2026-12"}. */
export function parseMonth(text) {
  const s = String(text ?? '').trim();
  const mY = /^(\d{1,2})\s*[/.-]\s*(\d{4})$/.exec(s);
  const iso = /^(\d{4})-(\d{1,2})$/.exec(s);
  if (!mY && !iso) return fail('format');
  const [mo, y] = mY ? [Number(mY[1]), Number(mY[2])] : [Number(iso[2]), Number(iso[1])];
  if (mo < 1 || mo > 12 || y < 1000) return fail('invalid');
  return { ok: true, value: `${y}-${pad(mo)}` };
}

const KINDS = {
  date: { parse: parseDate, show: formatDate, hint: 'form.dateHint', example: 'form.dateExample', placeholder: 'dd/mm/yyyy' },
  datetime: { parse: parseDateTime, show: formatDateTime, hint: 'form.dateTimeHint', example: 'form.dateTimeExample', placeholder: 'hh:mm dd/mm/yyyy' },
  month: { parse: parseMonth, show: formatMonth, hint: 'form.monthHint', example: 'form.monthExample', placeholder: 'mm/yyyy' },
};

/** The visible hint of a date, date-time or month field: its format and an example. */
export const naturalHint = (kind) => t(KINDS[kind].hint, { example: t(KINDS[kind].example) });

/** How a stored ISO value of `kind` is shown (and typed back): "12/05/1990", "16:00 01/05/2027", "12/2026". */
export const showNatural = (kind, iso) => (iso ? KINDS[kind].show(iso) : '');

/**
 * A text input for a date, date-time or month (`kind`), showing `value` (ISO) the Vietnamese way;
 * on leaving it a value it understands is rewritten in that form. Read it with readNatural().
 */
export function naturalInput(kind, attrs = {}, value = '') {
  const k = KINDS[kind];
  const input = h('input', {
    type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: k.placeholder, ...given(attrs),
    dataset: { natural: kind, ...(attrs.dataset || {}) }, value: showNatural(kind, value),
  });
  input.addEventListener('change', () => {
    const r = k.parse(input.value);
    if (r.ok) input.value = k.show(r.value);
  });
  return input;
}

/**
 * {value, problem} of a natural input (or any text of that `kind`): value is the ISO string ('' when
 * empty), problem a field message naming `label` ('' when fine).
 */
export function readNatural(kind, text, label) {
  const raw = String(text ?? '').trim();
  if (!raw) return { value: '', problem: '' };
  const r = KINDS[kind].parse(raw);
  if (r.ok) return { value: r.value, problem: '' };
  const key = { year: 'form.dateYear', time: 'form.dateTimeNoTime', invalid: 'form.dateInvalid' }[r.reason] || 'form.dateFormat';
  return { value: '', problem: t(key, { field: label, text: raw, hint: naturalHint(kind) }) };
}

// Text typed naturally into a field whose schema names its kind (`x-normalize`): written the one
// way its pattern expects. Mirrors normalise_text in chalicelib/domain/form_input.py; never
// guesses a digit (what cannot be read is left as typed, and the field's message says why).
const SEPARATORS = /[\s\u00a0\u202f\u2009.\-()]/g;
const MONTH_TYPED = /^(\d{1,2})\s*[/.-]\s*(\d{4})$/;
const TIME_TYPED = /^(\d{1,2})\s*(?:[:hg.]|giờ)\s*(\d{2})?\s*(?:phút|p)?$/i;
const SIZE_TYPED = /^(\d{1,2}(?:[.,]\d)?)\s*[x×*]\s*(\d{1,2}(?:[.,]\d)?)\s*(?:cm)?$/i;
const pad2 = (n) => String(Number(n)).padStart(2, '0');

export function normaliseText(kind, text) {
  const s = String(text).normalize('NFC').split(/\s+/).filter(Boolean).join(' ');
  const bare = s.replace(SEPARATORS, '');
  switch (kind) {
    case 'digits':
      return /^\d+$/.test(bare) ? bare : s;
    case 'phone':
      if (/^\+84\d+$/.test(bare)) return `+84${bare.slice(3).replace(/^0/, '')}`;
      return /^\d+$/.test(bare) ? bare : s;
    case 'upper':
      return s.toUpperCase();
    case 'code':
      return s.replace(/ /g, '').toUpperCase();
    case 'month': {
      const m = MONTH_TYPED.exec(s);
      if (m && Number(m[1]) >= 1 && Number(m[1]) <= 12) return `${pad2(m[1])}/${m[2]}`;
      return s.toLowerCase() === 'nay' ? 'nay' : s;
    }
    case 'time': {
      const m = TIME_TYPED.exec(s);
      if (m && Number(m[1]) <= 23 && Number(m[2] || 0) <= 59) return `${pad2(m[1])}:${pad2(m[2] || 0)}`;
      return s;
    }
    case 'size': {
      const m = SIZE_TYPED.exec(s);
      return m ? `${m[1].replace(',', '.')}x${m[2].replace(',', '.')}` : s;
    }
    default:
      return s;
  }
}
