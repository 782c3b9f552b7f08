// One of my dossiers: status, appointment, what happens next, timeline, receipt PDF.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, blob } from '../api.js';
import { pageTitle, loadInto, statusBadge, facts, card, busy, openBlob } from '../ui.js';
import { timeEl } from '../format.js';
import { timeline } from '../timeline.js';
import { applicantRows } from '../applicant.js';
import { dossierLink } from './my-list.js';

function nextStep(d) {
  const code = d.status?.code;
  if (!code) return t('my.next.draft');
  return t(`my.next.${code}`, {}, '');
}

export async function render(view, { params }) {
  const body = h('div');
  view.append(body);
  const id = encodeURIComponent(params.id);
  await loadInto(body, () => get(`/api/my/dossiers/${id}`), (d) => {
    const receiptSlot = h('div', { class: 'receipt-slot' });
    const receiptBtn = d.code && h('button', { type: 'button', class: 'btn btn-secondary', id: 'receipt-button' }, t('dossier.receipt'));
    receiptBtn?.addEventListener('click', () => busy(receiptBtn, async () => {
      openBlob(await blob(`/api/my/dossiers/${id}/receipt.pdf`), `${d.code}.pdf`, receiptSlot);
    }));
    const next = nextStep(d);
    replace(body,
      h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') }, h('a', { href: '#/my' }, t('my.title')), ' / ', d.code || t('status.draft')),
      pageTitle(d.procedure_name || d.procedure_code || t('dossier.title'), h('p', { class: 'result-meta' }, statusBadge(d.status))),
      next && h('p', { class: 'notice-box' }, next, !d.status && [' ', h('a', { href: dossierLink(d) }, t('my.continue'))]),
      d.supplement_reason && d.status?.code === 5 && h('p', { class: 'notice-box warn' }, `${t('dossier.supplementReason')}: ${d.supplement_reason}`),
      d.refusal_reason && h('p', { class: 'notice-box warn' }, `${t('dossier.refusalReason')}: ${d.refusal_reason}`),
      card(h('h2', {}, t('dossier.summary')), facts([
        [t('dossier.code'), d.code ? h('strong', { class: 'code' }, d.code) : t('dossier.noCode')],
        [t('dossier.status'), statusBadge(d.status)],
        [t('dossier.submittedAt'), timeEl(d.submitted_at)],
        [t('dossier.receivedAt'), timeEl(d.received_at)],
        [t('dossier.appointmentAt'), timeEl(d.appointment_at)],
      ]), receiptBtn && h('div', { class: 'form-actions' }, receiptBtn, receiptSlot)),
      card(h('h2', {}, t('submit.applicant')), facts(applicantRows(d.applicant))),
      card(h('h2', {}, t('dossier.history')), timeline(d.history)));
  });
}
