// Online payment of a dossier's fee (status 6): the "Thanh toán trực tuyến" button opens a gateway
// attempt (POST .../payments) and goes to its page; back from the gateway (?payment=paid|failed)
// the dossier page says so; a paid fee (online, or cash/transfer at the desk) offers its biên lai PDF.
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
  if (d.fee) parts.push(h('p', {}, `${t('pay.amount')}: `, h('strong', {}, formatMoney(d.fee.amount_vnd)), d.fee.reason ? ` — ${d.fee.reason}` : ''));
  if (due) {
    if (d.fee.due_at) parts.push(h('p', {}, `${t('pay.dueAt')}: `, timeEl(d.fee.due_at)));
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
    parts.push(h('p', {}, `${t('pay.paidAt')}: `, timeEl(d.fee.paid_at)), h('div', { class: 'form-actions' }, rbtn, receiptSlot));
  }
  return card(...parts);
}

/** The dossier's payment attempts (for a later history view). */
export async function listPayments(base) {
  return (await get(`${base}/payments`)).items || [];
}
