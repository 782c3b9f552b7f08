// Admin: the province's working-day calendar for one year. National public holidays come from the
// `holidays` package; the administrator adds holidays, closures (a day or a range, e.g. a storm),
// swap working days (a weekend day worked) and swapped days off, each with a reason. Month grids
// show every day: working, weekend, or why it is off. Changes take effect on deadlines at once.
import { h, replace } from '../dom.js';
import { getLang } from '../i18n.js';
import { get, post } from '../api.js';
import { pageTitle, card, busy, showNotice, loadInto, empty } from '../ui.js';
import { strings, cell, cellError, formErrors, select } from './admin-common.js';
import { formatDate } from '../format.js';
import { naturalInput, naturalHint, readNatural } from '../natural.js';

const s = strings({
  title: ['Lịch làm việc, ngày nghỉ', 'Working calendar and holidays'],
  lead: ['Ngày lễ, Tết theo quy định được tính sẵn. Thêm ngày nghỉ của tỉnh, ngày đóng cửa (ví dụ do bão), ngày làm việc bù (thứ Bảy, Chủ nhật đi làm) và ngày nghỉ bù. Thời hạn xử lý hồ sơ tính theo lịch này ngay khi lưu.', 'Statutory holidays are built in. Add province holidays, closures (e.g. a storm), swap working days (a weekend day worked) and swapped days off. Dossier deadlines use this calendar as soon as it is saved.'],
  year: ['Năm', 'Year'],
  show: ['Xem', 'Show'],
  add: ['Thêm ngày', 'Add a day'],
  kind: ['Loại', 'Kind'],
  date: ['Ngày', 'Date'],
  until: ['Đến ngày (chỉ ngày đóng cửa)', 'Until (closures only)'],
  reason: ['Lý do', 'Reason'],
  save: ['Thêm vào lịch', 'Add to the calendar'],
  entries: ['Các ngày do tỉnh quy định', 'Days set by the province'],
  none: ['Chưa có ngày nào trong năm này.', 'Nothing set for this year.'],
  remove: ['Xóa', 'Remove'],
  added: ['Đã thêm vào lịch.', 'Added to the calendar.'],
  removed: ['Đã xóa khỏi lịch.', 'Removed from the calendar.'],
  legend: ['Chú thích', 'Legend'],
  working: ['Ngày làm việc', 'Working day'],
  off: ['Ngày nghỉ', 'Day off'],
  'kind.holiday': ['Ngày nghỉ của tỉnh', 'Province holiday'],
  'kind.closure': ['Đóng cửa', 'Closure'],
  'kind.swap_workday': ['Ngày làm việc bù', 'Swap working day'],
  'kind.swap_day_off': ['Ngày nghỉ bù', 'Swapped day off'],
  'kind.national': ['Ngày lễ, Tết', 'Public holiday'],
  weekdays: ['T2,T3,T4,T5,T6,T7,CN', 'Mo,Tu,We,Th,Fr,Sa,Su'],
  month: ['Tháng {n}', 'Month {n}'],
});

const KINDS = ['holiday', 'closure', 'swap_workday', 'swap_day_off'];

function dayCell(d) {
  const day = Number(d.date.slice(8));
  const label = getLang() === 'en' ? d.label_en || d.label : d.label;
  const cls = ['cal-day', d.working ? 'cal-work' : 'cal-off', d.kind ? `cal-${d.kind}` : '', d.weekend ? 'cal-weekend' : ''].filter(Boolean).join(' ');
  const title = [formatDate(d.date), d.working ? s('working') : s('off'), d.kind ? s(`kind.${d.kind}`) : '', label].filter(Boolean).join(' — ');
  return h('td', { class: cls, title, dataset: { date: d.date, kind: d.kind || '', working: String(d.working) } },
    h('span', { 'aria-hidden': 'true' }, String(day)), h('span', { class: 'sr-only' }, title));
}

function monthGrid(month, days) {
  const head = s('weekdays').split(',');
  const rows = [];
  let week = [];
  const lead = (new Date(`${days[0].date}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday first
  for (let i = 0; i < lead; i += 1) week.push(h('td', {}));
  for (const d of days) {
    week.push(dayCell(d));
    if (week.length === 7) {
      rows.push(h('tr', {}, week));
      week = [];
    }
  }
  if (week.length) rows.push(h('tr', {}, week));
  return h('table', { class: 'cal-month', dataset: { month: String(month) } },
    h('caption', {}, s('month', { n: month })),
    h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows));
}

export async function render(view, { query }) {
  const now = new Date().getFullYear();
  let year = Number(query?.year) || now;
  const yearSel = select('year', [now - 1, now, now + 1, now + 2].map((y) => [String(y), String(y)]), String(year));
  yearSel.id = 'cal-year';
  const showBtn = h('button', { type: 'button', class: 'btn btn-secondary' }, s('show'));
  const grid = h('div', { class: 'cal-grid', id: 'cal-grid' });
  const list = h('div', { id: 'cal-entries' });
  let version = null;

  const fields = {
    kind: cell(s('kind'), select('kind', KINDS.map((k) => [k, s(`kind.${k}`)]), 'holiday')),
    date: cell(s('date'), naturalInput('date', { name: 'date', required: true }), { hint: naturalHint('date') }),
    until: cell(s('until'), naturalInput('date', { name: 'until' }), { hint: naturalHint('date') }),
    reason: cell(s('reason'), h('input', { type: 'text', name: 'reason', maxlength: 300, required: true })),
  };
  const { slot, show: showErr } = formErrors(fields);
  const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, s('save'));
  const form = h('form', { class: 'form admin-grid', id: 'cal-add-form', novalidate: true }, Object.values(fields).map((c) => c.wrap), slot, h('div', { class: 'btn-row' }, saveBtn));


  function draw(body) {
    version = body.version;
    const months = Array.from({ length: 12 }, (_, i) => body.days.filter((d) => Number(d.date.slice(5, 7)) === i + 1));
    replace(grid, months.map((days, i) => monthGrid(i + 1, days)));
    if (!body.entries.length) return replace(list, empty(s('none')));
    return replace(list, h('ul', { class: 'cal-list' }, body.entries.map((e) => {
      const btn = h('button', { type: 'button', class: 'btn btn-link btn-small' }, s('remove'));
      btn.addEventListener('click', () => busy(btn, async () => {
        const out = await post('/api/admin/calendar', { action: 'remove', kind: e.kind, date: e.date, version });
        showNotice(s('removed'));
        draw(out);
      }));
      return h('li', { dataset: { date: e.date, kind: e.kind } },
        h('span', { class: `badge cal-badge-${e.kind}` }, s(`kind.${e.kind}`)), ' ',
        h('strong', {}, e.until ? `${formatDate(e.date)} → ${formatDate(e.until)}` : formatDate(e.date)), ' ', e.reason || '', ' ', btn);
    })));
  }

  const load = () => loadInto(grid, () => get('/api/admin/calendar', { year }), draw);
  showBtn.addEventListener('click', () => {
    year = Number(yearSel.value);
    load();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const date = readNatural('date', fields.date.input.value, s('date'));
    const until = readNatural('date', fields.until.input.value, s('until'));
    cellError(fields.date, date.problem);
    cellError(fields.until, until.problem);
    if (date.problem || until.problem) {
      (date.problem ? fields.date : fields.until).input.focus();
      return;
    }
    busy(saveBtn, async () => {
      try {
        const out = await post('/api/admin/calendar', {
          action: 'add', kind: fields.kind.input.value, date: date.value || null,
          until: until.value || null, reason: fields.reason.input.value.trim(), version,
        });
        showErr(null);
        form.reset();
        showNotice(s('added'));
        year = out.year;
        yearSel.value = String(year);
        draw(out);
      } catch (err) {
        showErr(err);
        throw err;
      }
    });
  });

  const legend = h('p', { class: 'cal-legend small' }, `${s('legend')}: `,
    ['work', 'off', 'national', 'holiday', 'closure', 'swap_workday', 'swap_day_off'].map((k) => h('span', { class: `cal-key cal-${k}` },
      k === 'work' ? s('working') : k === 'off' ? s('off') : s(`kind.${k}`))));
  view.append(pageTitle(s('title'), h('p', { class: 'muted' }, s('lead'))),
    card(h('div', { class: 'btn-row' }, h('label', { for: 'cal-year' }, s('year')), yearSel, showBtn), legend, grid),
    card(h('h2', {}, s('entries')), list),
    card(h('h2', {}, s('add')), form));
  await load();
}
