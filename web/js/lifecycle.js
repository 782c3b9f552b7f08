// Shared pieces of the dossier lifecycle: inline-error actions, revealable forms, the control slip
// (form 06), appointments, printable forms and the exemption list.
import { h, uid } from './dom.js';
import { t } from './i18n.js';
import { ApiError, blob } from './api.js';
import { card, facts, busy, empty, openBlob } from './ui.js';
import { timeEl, formatMoney } from './format.js';
import { labelled, setFieldError } from './forms.js';
import { unitLabel } from './levels.js';

/** A message slot for one form: the API's message is shown here, next to the button. */
export function errorSlot() {
  return h('p', { class: 'field-error form-error', role: 'alert', hidden: true });
}

function showIn(slot, err) {
  if (!slot) return;
  const text = err ? (err instanceof ApiError ? err.text : err.message || String(err)) : '';
  slot.textContent = text;
  slot.hidden = !text;
}

/** busy() plus the error text inline in `slot` (the alert region still gets it as well). */
export async function act(button, slot, work) {
  showIn(slot, null);
  let failed = null;
  const out = await busy(button, async () => {
    try {
      return await work();
    } catch (err) {
      failed = err;
      throw err;
    }
  });
  if (failed) showIn(slot, failed);
  return out;
}

/**
 * A button that reveals a small form. `fields` are {key, label, input, required, min, check};
 * `onSubmit(values)` does the work. Returns {open, form}.
 */
export function revealForm({ id, label, title, confirm, danger = false, fields, intro, onSubmit, openClass }) {
  const made = fields.map((f) => ({ ...f, field: labelled(f.label, f.input, { required: f.required, hint: f.hint }) }));
  const submit = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}` }, confirm);
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('action.cancel'));
  const slot = errorSlot();
  const form = h('form', { class: 'form reason-form', hidden: true, novalidate: true, id },
    h('h3', {}, title), intro, made.map((f) => f.field.wrap), slot, h('div', { class: 'form-actions' }, submit, cancel));
  const open = h('button', { type: 'button', class: `btn ${openClass || (danger ? 'btn-danger-outline' : 'btn-secondary')}`, 'aria-expanded': 'false', 'aria-controls': id, id: `${id}-open` }, label);
  const toggle = (show) => {
    form.hidden = !show;
    open.setAttribute('aria-expanded', String(show));
    if (show) (made[0]?.field.input || submit).focus();
    else open.focus();
  };
  open.addEventListener('click', () => toggle(form.hidden));
  cancel.addEventListener('click', () => toggle(false));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = {};
    let bad = null;
    for (const f of made) {
      const input = f.field.input;
      const raw = input.type === 'checkbox' ? input.checked : String(input.value || '').trim();
      values[f.key] = raw;
      let problem = '';
      if (f.required && (raw === '' || raw == null)) problem = t(input.tagName === 'SELECT' ? 'form.requiredChoose' : 'form.requiredEnter', { field: f.label });
      else if (f.min && raw && String(raw).length < f.min) problem = t('form.minChars', { field: f.label, n: f.min });
      else if (f.check) problem = f.check(raw) || '';
      setFieldError(f.field, problem);
      if (problem && !bad) bad = f.field.input;
    }
    if (bad) {
      bad.focus();
      return;
    }
    await act(submit, slot, () => onSubmit(values));
  });
  return { open, form };
}

/** A text area for a reason. */
export const textArea = (name, rows = 3) => h('textarea', { name, rows, maxlength: 2000 });

/** The current appointment and, when an extension moved it, the original one. */
export function appointmentRows(d) {
  const rows = [[t('dossier.appointmentAt'), timeEl(d.appointment_at)]];
  const original = d.original_appointment_at || (d.extension?.state === 'approved' ? d.extension.previous_appointment_at : null);
  if (original && original !== d.appointment_at) rows.push([t('life.originalAppointment'), timeEl(original)]);
  return rows;
}

const decisionText = (state) => t(`life.decision.${state}`, {}, state || '');

/** Extension, stop, fee, result and return: whatever of them the dossier carries. */
export function lifecycleCard(d) {
  const rows = [];
  if (d.extension) {
    rows.push([t('life.extension'), h('span', { id: 'extension-state' },
      decisionText(d.extension.state), ' · ', t('life.newAppointment'), ': ', timeEl(d.extension.new_appointment_at),
      d.extension.reason ? ` · ${d.extension.reason}` : '',
      d.extension.decision_note ? ` · ${d.extension.decision_note}` : '')]);
  }
  if (d.stop) rows.push([t('life.stop'), h('span', { id: 'stop-state' }, decisionText(d.stop.state), ' · ', d.stop.reason || '')]);
  if (d.fee) {
    const method = d.fee.method || 'cash';
    rows.push([t('life.fee'), h('span', { id: 'fee-state', 'data-method': d.fee.paid_at ? method : null }, formatMoney(d.fee.amount_vnd), d.fee.reason ? ` · ${d.fee.reason}` : '',
      ' · ', d.fee.paid_at
        ? [t('life.feePaid'), ' · ', t(`life.feeMethod.${method}`, {}, method), ' · ', timeEl(d.fee.paid_at), d.fee.receipt_no ? ` (${d.fee.receipt_no})` : '']
        : t('life.feeUnpaid'))]);
  }
  // While a fee is awaited (status 6) the dossier's applicant deadline is the fee's, not a supplement's.
  if (d.supplement_due_at) {
    const feeDue = d.status?.code === 6;
    rows.push([t(feeDue ? 'life.feeDue' : 'life.supplementDue'), h('span', { id: feeDue ? 'fee-due-at' : 'supplement-due-at' }, timeEl(d.supplement_due_at))]);
  }
  if (d.result) rows.push([t('life.result'), h('span', {}, d.result.filename || t('life.resultReady'), d.result.signed_at ? [' · ', t('life.signedAt'), ' ', timeEl(d.result.signed_at)] : '')]);
  if (d.returned) {
    const r = d.returned;
    rows.push([t('life.returned'), h('span', {}, t(`life.channel.${r.channel}`, {}, r.channel), ' · ', timeEl(r.at),
      r.recipient_name ? ` · ${r.recipient_name}` : '', r.recipient_id_number ? ` (${r.recipient_id_number})` : '', r.tracking_number ? ` · ${r.tracking_number}` : '')]);
  }
  if (d.withdrawal_reason) rows.push([t('life.withdrawReason'), d.withdrawal_reason]);
  if (!rows.length) return null;
  return card(h('h2', {}, t('life.title')), facts(rows));
}

/** Form 06: the control slip, one row per handover. */
export function controlSlipCard(d) {
  const rows = d.handovers || [];
  const verdict = (x) => {
    if (x.late == null) return x.finished_at ? '' : h('span', { class: 'muted' }, t('life.running'));
    return x.late ? h('span', { class: 'badge badge-late' }, t('life.late')) : h('span', { class: 'badge badge-ok' }, t('life.onTime'));
  };
  return card(h('h2', {}, t('life.slip')),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'control-slip' },
      h('caption', { class: 'sr-only' }, t('life.slip')),
      h('thead', {}, h('tr', {},
        ['life.step', 'life.agency', 'life.sentAt', 'life.dueAt', 'life.finishedAt', 'life.outcome', 'life.timeliness']
          .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, rows.map((x) => h('tr', { class: x.late ? 'is-late' : '' },
        h('td', { 'data-label': t('life.step') }, x.step_name || x.step_id),
        h('td', { 'data-label': t('life.agency') }, unitLabel(x.to_agency)),
        h('td', { 'data-label': t('life.sentAt') }, timeEl(x.sent_at)),
        h('td', { 'data-label': t('life.dueAt') }, timeEl(x.due_at)),
        h('td', { 'data-label': t('life.finishedAt') }, timeEl(x.finished_at)),
        h('td', { 'data-label': t('life.outcome') }, x.outcome ? t(`life.outcome.${x.outcome}`, {}, x.outcome) : '—', x.note ? h('div', { class: 'small tl-note' }, x.note) : null),
        h('td', { 'data-label': t('life.timeliness') }, verdict(x))))))) : empty(t('life.noHandovers')));
}

const FORMS = ['02', '03', '04', '05', '06'];

/** Links to the printable forms, fetched with the bearer token and opened as object URLs. */
export function formsCard(d, base) {
  if (!d.code) return null;
  const slot = h('div', { class: 'receipt-slot', id: 'form-slot' });
  const err = errorSlot();
  const list = h('ul', { class: 'plain form-links' }, FORMS.map((no) => {
    const pdf = h('button', { type: 'button', class: 'btn btn-link', dataset: { form: no } }, `${t(`life.form.${no}`)} (PDF)`);
    const html = h('button', { type: 'button', class: 'btn btn-link', dataset: { form: `${no}-html` } }, 'HTML');
    pdf.addEventListener('click', () => act(pdf, err, async () => {
      openBlob(await blob(`${base}/forms/${no}.pdf`), `mau-${no}-${d.code}.pdf`, slot);
    }));
    html.addEventListener('click', () => act(html, err, async () => {
      openBlob(await blob(`${base}/forms/${no}.html`, 'text/html'), `mau-${no}-${d.code}.html`, slot);
    }));
    return h('li', {}, pdf, ' · ', html);
  }));
  return card(h('h2', {}, t('life.forms')), h('p', { class: 'muted small' }, t('life.formsHint')), list, err, slot);
}

/** The exemption requests; `decide(exemption)` adds the admin's approve/refuse controls. */
export function exemptionsCard(d, decide) {
  const list = d.exemptions || [];
  if (!list.length) return null;
  return card(h('h2', {}, t('life.exemptions')), h('ul', { class: 'plain', id: 'exemptions' }, list.map((x) => h('li', { class: 'exemption' },
    h('strong', {}, decisionText(x.state)), ' · ', x.step_id ? (d.steps?.find((s) => s.step_id === x.step_id)?.name || x.step_id) : t('life.wholeDossier'),
    h('div', { class: 'small' }, `${t('life.reason')}: ${x.reason}`),
    h('div', { class: 'small muted' }, `${t('life.evidence')}: ${x.evidence}`),
    x.decision_note && h('div', { class: 'small tl-note' }, x.decision_note),
    decide && x.state === 'proposed' ? decide(x) : null))));
}

/** Approve / refuse with an optional note (leader decisions, exemptions). */
export function decisionControls({ id, onDecide }) {
  const noteId = uid('dnote');
  const note = h('textarea', { id: noteId, rows: 2, maxlength: 2000 });
  const yes = h('button', { type: 'button', class: 'btn btn-primary btn-small', id: `${id}-approve` }, t('life.approve'));
  const no = h('button', { type: 'button', class: 'btn btn-danger-outline btn-small', id: `${id}-refuse` }, t('life.refuse'));
  const slot = errorSlot();
  yes.addEventListener('click', () => act(yes, slot, () => onDecide(true, note.value.trim())));
  no.addEventListener('click', () => act(no, slot, () => onDecide(false, note.value.trim())));
  return h('div', { class: 'decision' },
    h('div', { class: 'field' }, h('label', { for: noteId }, t('life.decisionNote')), note),
    h('div', { class: 'btn-row' }, yes, no), slot);
}
