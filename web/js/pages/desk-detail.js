// Desk: one dossier. Accept (then print the receipt), refuse or ask for a supplement; return a result.
import { h, replace, uid } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, blob } from '../api.js';
import { pageTitle, loadInto, card, busy, showNotice, clearAlerts, openBlob, isDraft } from '../ui.js';
import { labelled, setFieldError } from '../forms.js';
import { timeEl, formatMoney } from '../format.js';
import { numberInput, readNumber } from '../natural.js';
import { timeline } from '../timeline.js';
import {
  act, errorSlot, revealForm, textArea, appointmentRows, lifecycleCard, controlSlipCard, formsCard, exemptionsCard,
} from '../lifecycle.js';
import { wizardHash } from '../wizard.js';
import { feeChoice } from '../fee-choice.js';
import { procedureOf, summaryCard, applicantCard, formDataCard, attachmentsCard, stepsCard } from '../dossier-view.js';
import { resultCard } from '../papers.js';

const MIN_REASON = 5; // the API's ReasonIn.min_length

/** A reason form (refuse / supplement) revealed by its button. */
function reasonAction({ key, danger, onSubmit }) {
  const area = labelled(t('desk.reason'), h('textarea', { name: 'reason', rows: 3, maxlength: 1000 }), { required: true });
  const confirm = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}` }, t(`desk.${key}Confirm`));
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, t('action.cancel'));
  const form = h('form', { class: 'form reason-form', hidden: true, novalidate: true, id: `${key}-form` },
    h('h3', {}, t(`desk.${key}Title`)), area.wrap, h('div', { class: 'form-actions' }, confirm, cancel));
  const open = h('button', { type: 'button', class: `btn ${danger ? 'btn-danger-outline' : 'btn-secondary'}`, 'aria-expanded': 'false', 'aria-controls': `${key}-form` }, t(`desk.${key}`));
  const toggle = (show) => {
    form.hidden = !show;
    open.setAttribute('aria-expanded', String(show));
    if (show) area.input.focus();
    else open.focus();
  };
  open.addEventListener('click', () => toggle(form.hidden));
  cancel.addEventListener('click', () => toggle(false));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = area.input.value.trim();
    const problem = !reason ? t('form.requiredEnter', { field: t('desk.reason') })
      : reason.length < MIN_REASON ? t('form.minChars', { field: t('desk.reason'), n: MIN_REASON }) : '';
    if (problem) {
      setFieldError(area, problem);
      area.input.focus();
      return;
    }
    setFieldError(area, '');
    await busy(confirm, () => onSubmit(reason));
  });
  return { open, form };
}

/** Hand the result over: at the desk (recipient and ID), by post (tracking number) or online. */
function returnForm(d, after) {
  const name = uid('channel');
  const slot = errorSlot();
  const recipient = labelled(t('desk.recipientName'), h('input', { type: 'text', name: 'recipient_name', maxlength: 200, value: d.applicant?.name || '' }), { required: true });
  const idNo = labelled(t('desk.recipientId'), h('input', { type: 'text', name: 'recipient_id_number', maxlength: 20, value: d.applicant?.id_number || '' }), { required: true });
  const tracking = labelled(t('desk.trackingNumber'), h('input', { type: 'text', name: 'tracking_number', maxlength: 60 }), { required: true });
  const deskPart = h('div', {}, recipient.wrap, idNo.wrap);
  const postPart = h('div', { hidden: true }, tracking.wrap);
  const radio = (value, checked) => h('div', { class: 'field-check' },
    h('input', { type: 'radio', name, id: `${name}-${value}`, value, checked }),
    h('label', { for: `${name}-${value}` }, t(`life.channel.${value}`)));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'return-result' }, t('desk.return'));
  const form = h('form', { class: 'form', novalidate: true, id: 'return-form' },
    h('h3', {}, t('desk.returnTitle')),
    h('fieldset', {}, h('legend', {}, t('desk.returnChannel')), radio('desk', true), radio('post', false), radio('online', false)),
    deskPart, postPart, slot, h('div', { class: 'form-actions' }, submit));
  const channel = () => form.querySelector(`input[name="${name}"]:checked`)?.value || 'desk';
  form.addEventListener('change', () => {
    deskPart.hidden = channel() !== 'desk';
    postPart.hidden = channel() !== 'post';
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const c = channel();
    const need = c === 'desk' ? [recipient, idNo] : c === 'post' ? [tracking] : [];
    let bad = null;
    for (const f of [recipient, idNo, tracking]) {
      const problem = need.includes(f) && !f.input.value.trim() ? t('form.requiredEnter', { field: f.label }) : '';
      setFieldError(f, problem);
      if (problem && !bad) bad = f.input;
    }
    if (bad) return bad.focus();
    const payload = { channel: c };
    if (c === 'desk') Object.assign(payload, { recipient_name: recipient.input.value.trim(), recipient_id_number: idNo.input.value.trim() });
    if (c === 'post') payload.tracking_number = tracking.input.value.trim();
    await act(submit, slot, async () => {
      const updated = await post(`/api/desk/dossiers/${encodeURIComponent(d.id)}/return`, payload);
      await after(t('desk.returned'), updated);
    });
    return undefined;
  });
  return form;
}

export async function render(view, { params, query }) {
  const body = h('div');
  view.append(body);
  const id = encodeURIComponent(params.id);
  const base = `/api/desk/dossiers/${id}`;
  // `?accepted=1`: just received from the walk-in entry, so its code and appointment lead the page
  const load = () => loadInto(body, async () => {
    const d = await get(base);
    return { d, procedure: await procedureOf(d) };
  }, ({ d, procedure }) => show(d, procedure, Boolean(query?.accepted) && Boolean(d.code)));

  /** The dossier with its history after an action (the action's answer carries no history). */
  async function fresh(updated) {
    try {
      return await get(base);
    } catch {
      return updated;
    }
  }

  function receiptButton(d, where) {
    const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'print-receipt' }, t('desk.printReceipt'));
    btn.addEventListener('click', () => busy(btn, async () => {
      openBlob(await blob(`${base}/receipt.pdf`), `${d.code || 'receipt'}.pdf`, where);
    }));
    return btn;
  }

  /** The biên lai of a fee paid (cash or transfer here, or online). */
  function feeReceiptButton(d, where) {
    const btn = h('button', { type: 'button', class: 'btn btn-secondary', id: 'print-fee-receipt' }, t('desk.printFeeReceipt'));
    btn.addEventListener('click', () => busy(btn, async () => {
      openBlob(await blob(`${base}/fee-receipt.pdf`), `bien-lai-${d.code || d.id}.pdf`, where);
    }));
    return btn;
  }

  function show(d, procedure, justAccepted = false) {
    const code = d.status?.code;
    const actions = h('div', { class: 'actions' });
    const slot = h('div', { class: 'receipt-slot' });
    const after = async (text, updated, accepted = false) => {
      showNotice(text);
      show(await fresh(updated), procedure, accepted);
    };
    const paperDraft = isDraft(d) && d.channel === 1; // a walk-in entry not received yet
    if (code === 1 || paperDraft) {
      const accept = h('button', { type: 'button', class: 'btn btn-primary', id: 'accept' }, t('desk.accept'));
      const fee = feeChoice(procedure);
      const acceptErr = errorSlot();
      accept.addEventListener('click', () => act(accept, acceptErr, async () => {
        clearAlerts();
        if (fee.problem()) return;
        const updated = await post(`${base}/accept`, fee.payload());
        await after(t('desk.accepted', { code: updated.code || '' }), updated, true);
      }));
      const refuse = reasonAction({ key: 'refuse', danger: true, onSubmit: async (reason) => {
        const updated = await post(`${base}/refuse`, { reason });
        await after(t('desk.refused'), updated);
      } });
      const supplement = reasonAction({ key: 'supplement', onSubmit: async (reason) => {
        const updated = await post(`${base}/supplement`, { reason });
        await after(t('desk.supplemented'), updated);
      } });
      // refusing or guiding applies to a filed dossier; a paper draft is received or left as is
      const resume = paperDraft && h('a', { class: 'btn btn-secondary', id: 'walkin-continue', href: wizardHash(`#/desk/new/${encodeURIComponent(d.procedure_code)}`, d.id) }, t('my.continueDraft'));
      if (fee.wrap) actions.append(fee.wrap);
      actions.append(h('div', { class: 'btn-row' }, accept, resume, !paperDraft && [supplement.open, refuse.open]), acceptErr, !paperDraft && [supplement.form, refuse.form]);
    }
    if (code === 6 && d.fee && !d.fee.paid_at) {
      const method = h('select', { name: 'method' }, h('option', { value: 'cash' }, t('desk.method.cash')), h('option', { value: 'transfer' }, t('desk.method.transfer')));
      const pay = revealForm({
        id: 'payment-form',
        label: t('desk.payment'),
        title: t('desk.paymentTitle'),
        confirm: t('desk.paymentConfirm'),
        openClass: 'btn-primary',
        intro: h('p', {}, `${t('life.fee')}: `, h('strong', {}, formatMoney(d.fee.amount_vnd)), d.fee.reason ? ` · ${d.fee.reason}` : ''),
        fields: [
          { key: 'amount', label: t('desk.amount'), input: numberInput({ integer: true }, { name: 'amount_vnd' }, d.fee.amount_vnd), required: true,
            check: (v) => readNumber(v, { integer: true }, t('desk.amount')).problem
              || (readNumber(v).value === Number(d.fee.amount_vnd) ? '' : t('desk.amountMustEqual', { amount: formatMoney(d.fee.amount_vnd) })) },
          { key: 'receipt', label: t('desk.receiptNo'), input: h('input', { type: 'text', name: 'receipt_no', maxlength: 40 }), required: true },
          { key: 'method', label: t('desk.method'), input: method },
        ],
        onSubmit: async ({ amount, receipt, method: m }) => {
          const updated = await post(`${base}/payments`, { amount_vnd: readNumber(amount).value, receipt_no: receipt, method: m || 'cash' });
          await after(t('desk.paid'), updated);
        },
      });
      actions.append(h('div', { class: 'btn-row' }, pay.open), pay.form);
    }
    if (code === 9) actions.append(returnForm(d, after));
    if (d.status && [1, 2, 4, 5, 6].includes(code)) {
      const w = revealForm({
        id: 'withdraw-form',
        label: t('desk.withdraw'),
        title: t('desk.withdrawTitle'),
        confirm: t('desk.withdrawConfirm'),
        danger: true,
        fields: [{ key: 'reason', label: t('desk.withdrawReason'), input: textArea('reason') }],
        onSubmit: async ({ reason }) => {
          const updated = await post(`${base}/withdraw`, { reason: reason || null });
          await after(t('desk.withdrawn'), updated);
        },
      });
      actions.append(h('div', { class: 'btn-row' }, w.open), w.form);
    }
    if (d.code && d.status?.code !== 10) {
      const ex = revealForm({
        id: 'exemption-form',
        label: t('agency.exemption'),
        title: t('agency.exemptionTitle'),
        confirm: t('agency.exemptionConfirm'),
        intro: h('p', { class: 'muted small' }, t('agency.exemptionHint')),
        fields: [
          { key: 'reason', label: t('life.reason'), input: textArea('reason'), required: true, min: 5 },
          { key: 'evidence', label: t('life.evidence'), input: textArea('evidence'), required: true, min: 5, hint: t('agency.evidenceHint') },
        ],
        onSubmit: async ({ reason, evidence }) => {
          const updated = await post(`/api/staff/dossiers/${id}/exemptions`, { step_id: null, reason, evidence });
          await after(t('agency.exemptionSent'), updated);
        },
      });
      actions.append(h('div', { class: 'btn-row' }, ex.open), ex.form);
    }
    if (d.code) {
      const row = h('div', { class: 'btn-row' }, receiptButton(d, slot));
      if (d.fee && d.fee.paid_at) row.append(feeReceiptButton(d, slot));
      actions.append(row, slot);
    }
    replace(body,
      h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') }, h('a', { href: '#/desk' }, t('desk.title')), ' / ', d.code || d.id),
      pageTitle(d.procedure_name || procedure?.name || t('dossier.title')),
      justAccepted && h('div', { class: 'card card-success', id: 'accept-result' },
        h('h2', {}, t('desk.acceptedTitle')),
        h('p', {}, `${t('dossier.code')}: `, h('strong', { class: 'code' }, d.code || '')),
        h('p', {}, `${t('dossier.appointmentAt')}: `, timeEl(d.appointment_at))),
      actions.childNodes.length ? card(h('h2', {}, t('common.actions')), actions) : null,
      resultCard(d, { path: `${base}/result.pdf` }),
      summaryCard(d, appointmentRows(d).slice(1)),
      lifecycleCard(d),
      exemptionsCard(d),
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
