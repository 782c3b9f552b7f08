// Online payment of a dossier's fee (status 6): the "Thanh toán trực tuyến" button opens a gateway
// attempt (POST .../payments) and goes to its page; back from the gateway (?payment=paid|failed)
// the dossier page says so; a paid fee offers its biên lai PDF and says exactly how it was paid
// (online through VNPay, or cash / transfer recorded at the desk), never "online" for the desk's.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, blob } from '../api.js';
import { card, busy, openBlob } from '../ui.js';
import { formatMoney, timeEl } from '../format.js';
import { errorSlot, act } from '../lifecycle.js';

/** A notice for the gateway's return (`?payment=`), or null. */
export function paymentNotice(query) {
  const outcome = query && (query.get ? query.get('payment') : query.payment);
  if (!outcome) return null;
  const kind = outcome === 'paid' ? '' : ' warn';
  return h('p', { class: `notice-box${kind}`, id: 'payment-outcome', role: 'status' }, t(`pay.outcome.${outcome}`, {}, t('pay.outcome.failed')));
}

/** The payment card: the pay button while the fee is due, the fee receipt once it is paid. */
export function paymentCard(d, base) {
  const due = d.status?.code === 6 && d.fee && !d.fee.paid_at;
  const paid = d.fee && d.fee.paid_at;
  if (!due && !paid) return null;
  const parts = [h('h2', {}, t('pay.title'))];
  if (d.fee) parts.push(h('p', {}, `${t(paid ? 'pay.amountPaid' : 'pay.amount')}: `, h('strong', {}, formatMoney(d.fee.amount_vnd)), d.fee.reason ? ` — ${d.fee.reason}` : ''));
  if (due) {
    // A fee owed at receipt carries its own deadline; one an agency asks for uses the dossier's.
    const dueAt = d.fee.due_at || d.supplement_due_at;
    if (dueAt) parts.push(h('p', { id: 'fee-due' }, `${t('pay.dueAt')}: `, h('strong', {}, timeEl(dueAt))));
    const slot = errorSlot();
    const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'pay-online' }, t('pay.button'));
    btn.addEventListener('click', () => act(btn, slot, async () => {
      const out = await post(`${base}/payments`, {});
      window.location.assign(out.pay_url);
    }));
    parts.push(h('p', { class: 'muted small' }, t('pay.hint')), slot, h('div', { class: 'form-actions' }, btn));
  }
  if (paid) {
    const receiptSlot = h('div', { class: 'receipt-slot' });
    const rbtn = h('button', { type: 'button', class: 'btn btn-secondary', id: 'fee-receipt' }, t('pay.receipt'));
    rbtn.addEventListener('click', () => busy(rbtn, async () => {
      openBlob(await blob(`${base}/fee-receipt.pdf`), `bien-lai-${d.code || d.id}.pdf`, receiptSlot);
    }));
    const method = d.fee.method || 'cash';
    const atDesk = method !== 'online';
    parts.push(h('p', { id: 'fee-paid', 'data-method': method }, `${t(`pay.paidAt.${method}`, {}, t('pay.paidAt.cash'))} `, timeEl(d.fee.paid_at)),
      atDesk && d.fee.receipt_no ? h('p', {}, `${t('pay.receiptNo')}: `, h('strong', {}, d.fee.receipt_no)) : null,
      h('div', { class: 'form-actions' }, rbtn, receiptSlot));
  }
  const el = card(...parts);
  el.id = 'payment-card';
  return el;
}

/** The dossier's payment attempts (for a later history view). */
export async function listPayments(base) {
  return (await get(`${base}/payments`)).items || [];
}
