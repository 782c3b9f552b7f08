// Console: periodic reports (Đ17). Province office / admin report on the province, a leader on
// their own agency. Create one for a half-year, list them, download XLSX and PDF (fetched with the
// bearer token as a blob, then opened through an object URL).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, blob } from '../api.js';
import { pageTitle, loadInto, empty, card, busy, showNotice } from '../ui.js';
import { timeEl, formatPercent } from '../format.js';
import { role, me } from '../session.js';
import { unitLabel, units } from '../levels.js';
import { thisMonth, isMonth, monthLabel, num } from './dash-common.js';
import { naturalInput, naturalHint, readNatural } from '../natural.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The half-years offered: the current one first, then 2026-H1 / 2026-H2 and last year's. */
export function periods(month = thisMonth()) {
  const year = Number(month.slice(0, 4));
  const current = `${year}-H${Number(month.slice(5, 7)) <= 6 ? 1 : 2}`;
  const list = [current, '2026-H1', '2026-H2', `${year - 1}-H2`, `${year - 1}-H1`];
  return { current, list: [...new Set(list)] };
}

/** A period code in words: "6 tháng cuối năm 2026", "tháng 07/2026 đến tháng 11/2026". */
export function periodText(p) {
  const half = /^(\d{4})-H([12])$/.exec(p);
  if (half) return t('rep.half', { half: t(`rep.h${half[2]}`), year: half[1] });
  const range = /^(\d{4}-\d{2})\.\.(\d{4}-\d{2})$/.exec(p);
  if (range && range[1] === range[2]) return t('rep.month', { month: monthLabel(range[1]) });
  if (range) return t('rep.range', { from: monthLabel(range[1]), to: monthLabel(range[2]) });
  return isMonth(p) ? t('rep.month', { month: monthLabel(p) }) : String(p || '');
}

function periodLabel(p, current) {
  return `${p} — ${periodText(p)}${p === current ? ` ${t('rep.current')}` : ''}`;
}

async function download(button, path, accept, filename, slot) {
  await busy(button, async () => {
    const data = await blob(path, accept);
    const url = URL.createObjectURL(data);
    const link = h('a', { href: url, download: filename, class: 'btn btn-secondary btn-small report-file' }, filename);
    replace(slot, link);
    showNotice(t('rep.ready', { name: filename }));
    link.click();
  });
}

/** Agencies a province-level user may report on (the province itself is the empty value). */
async function scopeSelect() {
  const select = h('select', { id: 'report-scope', name: 'agency' }, h('option', { value: '' }, t('rep.province')));
  try {
    const all = await units();
    all.filter((u) => u.kind !== 'desk' && u.kind !== 'province')
      .sort((a, b) => String(a.code).localeCompare(String(b.code)))
      .forEach((u) => select.append(h('option', { value: u.code }, `${u.code} — ${u.name}`)));
  } catch { /* the province alone */ }
  return select;
}

export async function render(view) {
  const { current, list: options } = periods();
  const select = h('select', { id: 'report-period', name: 'period' },
    options.map((p) => h('option', { value: p }, periodLabel(p, current))),
    h('option', { value: 'custom' }, t('rep.custom')));
  select.value = current;
  const monthField = (id, name, label) => {
    const input = naturalInput('month', { id, name, 'aria-describedby': `${id}-hint report-range-error` });
    return [input, h('div', { class: 'field' }, h('label', { for: id }, label), input, h('p', { class: 'field-hint', id: `${id}-hint` }, naturalHint('month')))];
  };
  const [fromInput, fromField] = monthField('report-from', 'from', t('rep.from'));
  const [toInput, toField] = monthField('report-to', 'to', t('rep.to'));
  const range = h('div', { class: 'field-row', id: 'report-range', hidden: true }, fromField, toField);
  const rangeError = h('p', { class: 'field-error', id: 'report-range-error', role: 'alert', hidden: true });
  select.addEventListener('change', () => { range.hidden = select.value !== 'custom'; });
  const provinceWide = ['province', 'admin'].includes(role());
  const scope = provinceWide ? await scopeSelect() : null;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'report-create' }, t('rep.create'));
  const form = h('form', { class: 'form narrow', id: 'report-form', novalidate: true },
    scope ? h('div', { class: 'field' }, h('label', { for: 'report-scope' }, t('rep.scope')), scope) : null,
    h('div', { class: 'field' }, h('label', { for: 'report-period' }, t('rep.period')), select),
    range, rangeError,
    h('div', { class: 'form-actions' }, submit));

  /** The POST body, or null (with the reason shown) when the custom range is incomplete. */
  const request = () => {
    const out = {};
    if (scope && scope.value) out.agency = scope.value;
    if (select.value !== 'custom') return { ...out, period: select.value };
    const fromRead = readNatural('month', fromInput.value, t('rep.from'));
    const toRead = readNatural('month', toInput.value, t('rep.to'));
    const from = fromRead.value;
    const to = toRead.value;
    const problem = fromRead.problem || toRead.problem || (!from || !to ? t('rep.rangeMissing') : from > to ? t('rep.rangeOrder') : '');
    rangeError.textContent = problem;
    rangeError.hidden = !problem;
    if (problem) {
      (fromRead.problem || !from ? fromInput : toInput).focus();
      return null;
    }
    return { ...out, from, to };
  };
  const list = h('div', { id: 'reports' });

  const rowFor = (r) => {
    const slot = h('span', { class: 'report-slot' });
    const dl = (name, accept, label) => {
      const path = r.downloads?.[name] || `/api/reports/${encodeURIComponent(r.id)}/${name}`;
      const ext = name.split('.').pop();
      const btn = h('button', { type: 'button', class: 'btn btn-small btn-secondary', dataset: { file: ext }, 'aria-label': `${label} — ${r.period}` }, label);
      btn.addEventListener('click', () => download(btn, path, accept, `bao-cao-${r.id}.${ext}`, slot));
      return btn;
    };
    return h('tr', { dataset: { report: r.id } },
      h('th', { scope: 'row' }, h('strong', {}, r.period), h('br'), h('span', { class: 'report-period-text' }, periodText(r.period)), h('br'), h('span', { class: 'muted small' }, r.number || '')),
      h('td', { 'data-label': t('rep.scope') }, r.agency ? unitLabel(r.agency) : t('rep.province')),
      h('td', { 'data-label': t('dash.received') }, num(r.received, 0), ' · ', t('dash.onTime'), ' ', h('span', { class: 'report-on-time' }, formatPercent(r.on_time_share))),
      h('td', { 'data-label': t('rep.createdAt') }, timeEl(r.created_at), h('br'), h('span', { class: 'muted small report-by' }, r.created_by_name || r.created_by || '')),
      h('td', { 'data-label': t('rep.download') }, h('div', { class: 'btn-row' }, dl('report.xlsx', XLSX, t('rep.xlsx')), dl('report.pdf', 'application/pdf', t('rep.pdf'))), slot));
  };

  // newest first, one page at a time (server cursor `next`), filtered on the server by period
  const periodQ = h('input', { type: 'search', id: 'reports-period', 'aria-label': t('rep.filterPeriod'), placeholder: `${t('rep.filterPeriod')} (2026, 2026-H1…)` });
  const filter = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); load(); } },
    periodQ, h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('action.search')));
  const params = (cursor) => ({ period: periodQ.value.trim(), limit: 20, cursor });
  const load = () => loadInto(list, () => get('/api/reports', params()), (body) => {
    const items = body?.items || [];
    if (!items.length) return replace(list, empty(t('rep.none')));
    let cursor = body.next;
    const tbody = h('tbody', {}, items.map(rowFor));
    const more = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'reports-more', hidden: !cursor }, t('dash.more'));
    more.addEventListener('click', () => busy(more, async () => {
      const page = await get('/api/reports', params(cursor));
      tbody.append(...page.items.map(rowFor));
      cursor = page.next;
      more.hidden = !cursor;
    }));
    return replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'reports-list' },
      h('caption', { class: 'sr-only' }, t('rep.list')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('rep.period')),
        h('th', { scope: 'col' }, t('rep.scope')),
        h('th', { scope: 'col' }, t('dash.received')),
        h('th', { scope: 'col' }, t('rep.createdAt')),
        h('th', { scope: 'col' }, t('rep.download')))),
      tbody)), h('div', { class: 'btn-row' }, more));
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const req = request();
    if (!req) return;
    const made = await busy(submit, () => post('/api/reports', req));
    if (made) {
      await load();
      showNotice(t('rep.created', { period: made.period }));
    }
  });

  view.append(
    pageTitle(t('rep.title'), h('p', { class: 'muted' }, t('rep.lead'))),
    card(h('h2', {}, t('rep.create')), role() === 'leader' ? h('p', { class: 'muted small' }, `${t('rep.scope')}: `, unitLabel(me()?.unit, me()?.unit_name)) : null, form),
    card(h('h2', {}, t('rep.list')), filter, list));
  await load();
}
