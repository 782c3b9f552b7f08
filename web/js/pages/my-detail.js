// One of my dossiers: status, appointment, what happens next, control slip, timeline, receipt and
// forms; withdraw; supplement after receipt (upload again and resubmit); download the result. A
// draft offers "continue" (back into the wizard at its step) and "delete" (after a confirmation).
import { tc } from '../care-strings.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, del, blob, ApiError } from '../api.js';
import {
  pageTitle, loadInto, statusBadge, statusLabel, isDraft, facts, card, busy, openBlob, showNotice, setFlash,
} from '../ui.js';
import { timeEl } from '../format.js';
import { timeline } from '../timeline.js';
import { applicantRows } from '../applicant.js';
import { representationRows } from '../representation.js';
import { uploadControl } from '../upload.js';
import { dossierLink } from './my-list.js';
import { resumeStep } from '../wizard.js';
import { paymentCard, paymentNotice } from './my-payment.js';
import { attachmentsCard } from '../dossier-view.js';
import { resultKind } from '../papers.js';
import {
  act, errorSlot, revealForm, textArea, appointmentRows, lifecycleCard, controlSlipCard, formsCard,
} from '../lifecycle.js';

const OPEN = [1, 2, 4, 5, 6];

function nextStep(d) {
  const code = d.status?.code;
  if (!code) return t('my.next.draft');
  return t(`my.next.${code}`, {}, '');
}

/** The newest attachment of each document. */
function latestByDoc(atts = []) {
  const out = {};
  for (const a of atts) out[a.document_id] = a;
  return out;
}

export async function render(view, { params, query }) {
  const body = h('div');
  view.append(body);
  const id = encodeURIComponent(params.id);
  const base = `/api/my/dossiers/${id}`;
  const load = () => loadInto(body, () => get(base), show);

  function supplementCard(d) {
    const current = latestByDoc(d.attachments);
    const controls = (d.documents || []).map((doc) => uploadControl({ base, doc, current: current[doc.id] || null }));
    const resubmit = h('button', { type: 'button', class: 'btn btn-primary', id: 'resubmit' }, t('my.resubmit'));
    const slot = errorSlot();
    resubmit.addEventListener('click', () => act(resubmit, slot, async () => {
      await post(`${base}/submit`, {});
      showNotice(t('my.resubmitted'));
      await load();
    }));
    return card(h('h2', {}, t('my.supplementTitle')),
      h('p', { class: 'notice-box warn', id: 'supplement-reason' }, `${t('dossier.supplementReason')}: ${d.supplement_reason || '—'}`),
      d.supplement_due_at && h('p', { id: 'supplement-due' }, `${t('life.supplementDue')}: `, h('strong', {}, timeEl(d.supplement_due_at))),
      h('p', { class: 'muted small' }, t('my.supplementHint')),
      controls.map((c) => c.element),
      slot,
      h('div', { class: 'form-actions' }, resubmit));
  }

  function draftCard(d) {
    const resume = h('a', { href: dossierLink(d, resumeStep(d, d.documents)), class: 'btn btn-primary', id: 'draft-continue' }, t('my.continueDraft'));
    const remove = revealForm({
      id: 'delete-draft-form',
      label: t('my.deleteDraft'),
      title: t('my.deleteDraftTitle'),
      confirm: t('my.deleteDraftConfirm'),
      danger: true,
      intro: h('p', { class: 'notice-box warn' }, t('my.deleteDraftWarn')),
      fields: [],
      onSubmit: async () => {
        await del(base);
        setFlash(t('my.draftDeleted'));
        location.replace('#/my'); // Back does not return to a page that is gone
      },
    });
    return card(h('h2', {}, t('my.draftTitle')), h('p', {}, t('my.next.draft'), ' ', t('my.draftHint')),
      h('div', { class: 'btn-row' }, resume, remove.open), remove.form);
  }

  function show(d) {
    const code = d.status?.code;
    const receiptSlot = h('div', { class: 'receipt-slot' });
    const receiptBtn = d.code && h('button', { type: 'button', class: 'btn btn-secondary', id: 'receipt-button' }, t('dossier.receipt'));
    receiptBtn?.addEventListener('click', () => busy(receiptBtn, async () => {
      openBlob(await blob(`${base}/receipt.pdf`), `${d.code}.pdf`, receiptSlot);
    }));
    let resultPart = null;
    if (d.result) {
      const resultSlot = h('div', { class: 'receipt-slot' });
      const resultErr = errorSlot();
      const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'result-button' }, t('my.downloadResult'));
      btn.addEventListener('click', () => act(btn, resultErr, async () => {
        try {
          openBlob(await blob(`${base}/result.pdf`), d.result.filename || `${d.code}-ket-qua.pdf`, resultSlot);
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) {
            throw new ApiError({ status: 404, code: 'no_result', message: t('my.resultMissing', {}, '', 'vi'), message_en: t('my.resultMissing', {}, '', 'en') });
          }
          throw err;
        }
      }));
      const rate = code === 10 ? h('a', { class: 'btn', id: 'rate-link', href: `#/rate?id=${encodeURIComponent(d.id)}` }, tc('rate.title')) : null;
      resultPart = card(h('h2', {}, t('life.result')), resultKind(d.result), h('div', { class: 'form-actions' }, btn, rate, resultSlot), resultErr);
    }
    let withdraw = null;
    if (OPEN.includes(code)) {
      withdraw = revealForm({
        id: 'withdraw-form',
        label: t('my.withdraw'),
        title: t('my.withdrawTitle'),
        confirm: t('my.withdrawConfirm'),
        danger: true,
        intro: h('p', { class: 'notice-box warn' }, t('my.withdrawWarn')),
        fields: [{ key: 'reason', label: t('desk.withdrawReason'), input: textArea('reason') }],
        onSubmit: async ({ reason }) => {
          await post(`${base}/withdraw`, { reason: reason || null });
          showNotice(t('my.withdrawn'));
          await load();
        },
      });
    }
    const next = nextStep(d);
    const afterReceipt = code === 5 && Boolean(d.code);
    replace(body,
      h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') }, h('a', { href: '#/my' }, t('my.title')), ' / ', d.code || statusLabel(d.status)),
      pageTitle(d.procedure_name || d.procedure_code || t('dossier.title'), h('p', { class: 'result-meta' }, statusBadge(d.status))),
      paymentNotice(query),
      isDraft(d) ? draftCard(d) : next && h('p', { class: 'notice-box' }, next),
      d.supplement_reason && code === 5 && !afterReceipt && h('p', { class: 'notice-box warn' }, `${t('dossier.supplementReason')}: ${d.supplement_reason}`),
      d.refusal_reason && h('p', { class: 'notice-box warn' }, `${t('dossier.refusalReason')}: ${d.refusal_reason}`),
      afterReceipt ? supplementCard(d) : null,
      paymentCard(d, base),
      resultPart,
      card(h('h2', {}, t('dossier.summary')), facts([
        [t('dossier.code'), d.code ? h('strong', { class: 'code' }, d.code) : t('dossier.noCode')],
        [t('dossier.status'), statusBadge(d.status)],
        [t('dossier.submittedAt'), timeEl(d.submitted_at)],
        [t('dossier.receivedAt'), timeEl(d.received_at)],
        ...appointmentRows(d),
      ]), receiptBtn && h('div', { class: 'form-actions' }, receiptBtn, receiptSlot)),
      lifecycleCard(d),
      d.code ? controlSlipCard(d) : null,
      formsCard(d, base),
      withdraw && card(h('h2', {}, t('my.withdrawTitle')), h('div', { class: 'btn-row' }, withdraw.open), withdraw.form),
      card(h('h2', {}, t('submit.applicant')), facts([...applicantRows(d.applicant), ...representationRows(d)])),
      (d.attachments || []).length ? attachmentsCard(d, { documents: d.documents }, base) : null,
      card(h('h2', {}, t('dossier.history')), timeline(d.history)));
  }

  await load();
}
