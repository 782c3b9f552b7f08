// Agency (and leader, admin): one dossier with documents, control slip and history; complete the
// open step (approve, return, supplement, fee, propose stop), propose an extension (form 04), ask
// that a lateness caused by a system error not count; leaders decide, admins decide exemptions.
import { h, replace, uid } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { pageTitle, loadInto, card, setFlash, showNotice } from '../ui.js';
import { timeline } from '../timeline.js';
import { timeEl } from '../format.js';
import { naturalInput, naturalHint, readNatural, numberInput, readNumber } from '../natural.js';
import { me, role } from '../session.js';
import { procedureOf, summaryCard, applicantCard, formDataCard, attachmentsCard, stepsCard } from '../dossier-view.js';
import { resultCard, attachResultForm } from '../papers.js';
import {
  act, errorSlot, revealForm, textArea, appointmentRows, lifecycleCard,
  controlSlipCard, formsCard, exemptionsCard, decisionControls,
} from '../lifecycle.js';

const OUTCOMES = ['approve', 'return', 'supplement', 'fee', 'stop'];
const NEEDS_NOTE = new Set(['return', 'supplement', 'stop']);

function completeForm(d, stepId, done) {
  const name = uid('outcome');
  const radio = (value, checked) => {
    const id = `${name}-${value}`;
    return h('div', { class: 'field-check' },
      h('input', { type: 'radio', name, id, value, checked, disabled: value === 'supplement' && d.processing_supplements >= 1 }),
      h('label', { for: id }, t(`agency.${value}`)),
      value === 'supplement' && d.processing_supplements >= 1 ? h('span', { class: 'muted small' }, ` (${t('agency.supplementUsed')})`) : null);
  };
  const noteId = uid('note');
  const note = h('textarea', { id: noteId, name: 'note', rows: 3, maxlength: 2000, 'aria-describedby': `${noteId}-hint ${noteId}-err` });
  const noteHint = h('p', { class: 'field-hint', id: `${noteId}-hint` }, t('agency.noteHint.approve'));
  const noteErr = h('p', { class: 'field-error', id: `${noteId}-err`, hidden: true });
  const amountId = uid('amount');
  const amount = numberInput({ integer: true }, { id: amountId, name: 'amount_vnd', 'aria-describedby': `${amountId}-err` });
  const amountErr = h('p', { class: 'field-error', id: `${amountId}-err`, hidden: true });
  const amountWrap = h('div', { class: 'field', hidden: true }, h('label', { for: amountId }, t('agency.amount')), amount, amountErr);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'complete-step' }, t('agency.complete'));
  const slot = errorSlot();
  const form = h('form', { class: 'form', novalidate: true, id: 'complete-form' },
    h('fieldset', {}, h('legend', {}, t('agency.outcome')), OUTCOMES.map((o) => radio(o, o === 'approve'))),
    h('div', { class: 'field' }, h('label', { for: noteId }, t('agency.note')), note, noteHint, noteErr),
    amountWrap,
    slot,
    h('div', { class: 'form-actions' }, submit));
  const chosen = () => form.querySelector(`input[name="${name}"]:checked`)?.value || 'approve';
  form.addEventListener('change', () => {
    const o = chosen();
    amountWrap.hidden = o !== 'fee';
    noteHint.textContent = t(`agency.noteHint.${o}`);
    if (NEEDS_NOTE.has(o)) note.setAttribute('aria-required', 'true');
    else note.removeAttribute('aria-required');
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const outcome = chosen();
    const text = note.value.trim();
    const noteProblem = NEEDS_NOTE.has(outcome) && text.length < 5 ? t('agency.noteNeeded') : '';
    const typed = readNumber(amount.value, { integer: true }, t('agency.amount'));
    const n = typed.value;
    const amountProblem = outcome !== 'fee' ? '' : typed.problem || (n > 0 ? '' : t('agency.amountNeeded'));
    noteErr.textContent = noteProblem;
    noteErr.hidden = !noteProblem;
    amountErr.textContent = amountProblem;
    amountErr.hidden = !amountProblem;
    if (noteProblem) note.setAttribute('aria-invalid', 'true'); else note.removeAttribute('aria-invalid');
    if (amountProblem) amount.setAttribute('aria-invalid', 'true'); else amount.removeAttribute('aria-invalid');
    if (noteProblem) return note.focus();
    if (amountProblem) return amount.focus();
    const payload = { outcome, note: text || null };
    if (outcome === 'fee') payload.amount_vnd = n;
    await act(submit, slot, async () => {
      await post(`/api/agency/dossiers/${encodeURIComponent(d.id)}/steps/${encodeURIComponent(stepId)}/complete`, payload);
      done(outcome);
    });
    return undefined;
  });
  return card(h('h2', {}, t('agency.completeTitle'), ': ', d.steps?.find((s) => s.step_id === stepId)?.name || stepId), form);
}

function extensionForm(d, after) {
  const when = naturalInput('datetime', { name: 'new_appointment_at' }, d.appointment_at);
  const whenLabel = t('agency.newAppointment');
  return revealForm({
    id: 'extension-form',
    label: t('agency.extension'),
    title: t('agency.extensionTitle'),
    confirm: t('agency.extensionConfirm'),
    intro: h('p', { class: 'muted small' }, t('agency.extensionHint')),
    fields: [
      { key: 'reason', label: t('agency.extensionReason'), input: textArea('reason'), required: true, min: 5 },
      { key: 'when', label: whenLabel, input: when, required: true, hint: naturalHint('datetime'), check: (raw) => readNatural('datetime', raw, whenLabel).problem },
    ],
    onSubmit: async ({ reason, when: at }) => {
      await post(`/api/agency/dossiers/${encodeURIComponent(d.id)}/extension`, { reason, new_appointment_at: readNatural('datetime', at, whenLabel).value });
      after(t('agency.extensionSent'));
    },
  });
}

function exemptionForm(d, stepId, after) {
  const select = h('select', { name: 'step_id' },
    h('option', { value: '' }, t('life.wholeDossier')),
    (d.steps || []).map((s) => h('option', { value: s.step_id, selected: s.step_id === stepId }, s.name || s.step_id)));
  return revealForm({
    id: 'exemption-form',
    label: t('agency.exemption'),
    title: t('agency.exemptionTitle'),
    confirm: t('agency.exemptionConfirm'),
    intro: h('p', { class: 'muted small' }, t('agency.exemptionHint')),
    fields: [
      { key: 'step', label: t('life.step'), input: select },
      { key: 'reason', label: t('life.reason'), input: textArea('reason'), required: true, min: 5 },
      { key: 'evidence', label: t('life.evidence'), input: textArea('evidence'), required: true, min: 5, hint: t('agency.evidenceHint') },
    ],
    onSubmit: async ({ step, reason, evidence }) => {
      await post(`/api/staff/dossiers/${encodeURIComponent(d.id)}/exemptions`, { step_id: step || null, reason, evidence });
      after(t('agency.exemptionSent'));
    },
  });
}

/** The latest of `workflow_failed` / `workflow_restarted` in the history: a failed workflow that
 * nobody restarted yet, on a dossier still open, may be restarted by an administrator. */
export function workflowFailed(d) {
  const last = (d.history || []).filter((e) => e.action === 'workflow_failed' || e.action === 'workflow_restarted').pop();
  const ended = [3, 7, 8, 9, 10].includes(d.status?.code);
  return last?.action === 'workflow_failed' && d.status != null && !ended;
}

function restartForm(d, after) {
  return revealForm({
    id: 'restart-form',
    label: t('ops.restart'),
    title: t('ops.restartTitle'),
    confirm: t('ops.restartConfirm'),
    openClass: 'btn-primary',
    intro: h('p', { class: 'muted small' }, t('ops.restartHint')),
    fields: [
      { key: 'note', label: t('ops.restartNote'), input: h('textarea', { name: 'note', rows: 3, maxlength: 500 }), required: true },
    ],
    onSubmit: async ({ note }) => {
      await post(`/api/ops/dossiers/${encodeURIComponent(d.id)}/workflow/restart`, { note });
      after(t('ops.restarted', { code: d.code || '' }));
    },
  });
}

/** A leader's decisions on a pending extension or stop, in place. */
export function leaderDecisions(d, after) {
  const parts = [];
  const base = `/api/leader/dossiers/${encodeURIComponent(d.id)}`;
  if (d.extension?.state === 'proposed') {
    parts.push(h('div', { class: 'pending-item' },
      h('h3', {}, t('leader.extension')),
      h('p', {}, `${t('life.reason')}: ${d.extension.reason}`),
      h('p', {}, `${t('life.newAppointment')}: `, timeEl(d.extension.new_appointment_at)),
      decisionControls({ id: `ext-${d.id}`, onDecide: async (approve, note) => {
        await post(`${base}/extension/decision`, { approve, note: note || null });
        after(approve ? t('leader.extensionApproved') : t('leader.extensionRefused'));
      } })));
  }
  if (d.stop?.state === 'proposed') {
    parts.push(h('div', { class: 'pending-item' },
      h('h3', {}, t('leader.stop')),
      h('p', {}, `${t('life.reason')}: ${d.stop.reason}`),
      decisionControls({ id: `stop-${d.id}`, onDecide: async (approve, note) => {
        await post(`${base}/stop/decision`, { approve, note: note || null });
        after(approve ? t('leader.stopApproved') : t('leader.stopRefused'));
      } })));
  }
  return parts;
}

export async function render(view, { params, query, navigate }) {
  const body = h('div');
  view.append(body);
  const id = encodeURIComponent(params.id);
  const load = () => loadInto(body, async () => {
    const d = await get(`/api/agency/dossiers/${id}`);
    return { d, procedure: await procedureOf(d) };
  }, ({ d, procedure }) => show(d, procedure));

  const reloadWith = (text) => {
    showNotice(text);
    load();
  };

  function show(d, procedure) {
    const who = role();
    const unit = me()?.unit;
    const active = (d.steps || []).find((s) => s.state === 'active' && (!unit || who === 'admin' || s.agency === unit));
    const requested = query.step && (d.steps || []).find((s) => s.step_id === query.step);
    const stepId = requested?.state === 'active' ? requested.step_id : active?.step_id;
    const processing = d.status?.code === 4;
    const done = (outcome) => {
      setFlash(t(`agency.completed.${outcome}`, { code: d.code || '' }, t('agency.completed', { code: d.code || '' })));
      navigate('#/agency');
    };
    const tools = [];
    if (who !== 'admin' && processing && stepId) {
      tools.push(extensionForm(d, reloadWith));
    }
    if (who !== 'admin' && d.code && d.status?.code !== 10) tools.push(exemptionForm(d, stepId, reloadWith));
    const pending = (who === 'leader' || who === 'admin') ? leaderDecisions(d, reloadWith) : [];
    const decideExemption = who === 'admin' ? (x) => decisionControls({ id: `exm-${x.id}`, onDecide: async (approve, note) => {
      await post(`/api/admin/dossiers/${id}/exemptions/${encodeURIComponent(x.id)}/decision`, { approve, note: note || null });
      reloadWith(approve ? t('admin.exemptionApproved') : t('admin.exemptionRefused'));
    } }) : null;
    const restart = who === 'admin' && workflowFailed(d) ? restartForm(d, reloadWith) : null;
    // The lead agency's officer attaches the real licence or certificate while its step is open
    // (before the last approval makes the template notice); services/results.py decides.
    const lead = who === 'agency' && Boolean(unit) && unit === d.lead_agency;
    const attach = lead && processing && stepId && d.code && !d.result ? attachResultForm(d, reloadWith) : null;
    const result = resultCard(d, { path: ['agency', 'admin'].includes(who) ? `/api/agency/dossiers/${id}/result.pdf` : null, attach });
    const back = who === 'admin' ? '#/admin' : '#/agency';
    replace(body,
      h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') }, h('a', { href: back }, t(who === 'admin' ? 'admin.title' : 'agency.title')), ' / ', d.code || d.id),
      pageTitle(d.procedure_name || procedure?.name || t('dossier.title')),
      restart ? card(h('h2', {}, t('ops.restartTitle')), restart.open, restart.form) : null,
      pending.length ? card(h('h2', {}, t('leader.title')), pending) : null,
      result,
      stepId && processing ? completeForm(d, stepId, done) : card(h('p', {}, t('agency.nothingOpen'))),
      tools.length ? card(h('h2', {}, t('agency.otherActions')), h('div', { class: 'btn-row' }, tools.map((x) => x.open)), tools.map((x) => x.form)) : null,
      summaryCard(d, appointmentRows(d).slice(1)),
      lifecycleCard(d),
      exemptionsCard(d, decideExemption),
      controlSlipCard(d),
      stepsCard(d),
      formsCard(d, `/api/staff/dossiers/${id}`),
      applicantCard(d),
      formDataCard(d, procedure),
      attachmentsCard(d, procedure, `/api/staff/dossiers/${id}`),
      d.history && card(h('h2', {}, t('dossier.history')), timeline(d.history)));
  }

  await load();
}
