// The desk's fee choice at receipt, shared by the dossier's desk page and the walk-in screen.
import { h } from './dom.js';
import { t } from './i18n.js';
import { labelled, setFieldError } from './forms.js';
import { formatMoney } from './format.js';

/**
 * The fee at acceptance: nothing is ticked, so a dossier is never recorded as paid by one click.
 * Ticked, the clerk names how it was paid and the biên lai number (the API requires it); unticked,
 * a fee-bearing dossier awaits its fee (status 6), to be paid online or later at the desk.
 */
export function feeChoice(procedure) {
  const total = procedure?.fee_total_vnd;
  if (total === 0) return { wrap: null, payload: () => ({}), problem: () => false };
  const box = labelled(t('desk.feeCollected'), h('input', { type: 'checkbox', name: 'fee_collected' }), { hint: t('desk.feeCollectedHint') });
  const method = labelled(t('desk.method'), h('select', { name: 'fee_method' },
    h('option', { value: 'cash' }, t('desk.method.cash')), h('option', { value: 'transfer' }, t('desk.method.transfer'))));
  const receipt = labelled(t('desk.receiptNo'), h('input', { type: 'text', name: 'receipt_no', maxlength: 40, autocomplete: 'off' }), { required: true });
  const paidHere = h('div', { class: 'fee-paid-here', hidden: true }, method.wrap, receipt.wrap);
  box.input.addEventListener('change', () => {
    paidHere.hidden = !box.input.checked;
    setFieldError(receipt, '');
    if (box.input.checked) receipt.input.focus();
  });
  const wrap = h('fieldset', { class: 'fee-choice', id: 'accept-fee' },
    h('legend', {}, t('pay.title')),
    total ? h('p', {}, `${t('pay.amount')}: `, h('strong', {}, formatMoney(total))) : null,
    box.wrap, paidHere);
  const payload = () => (box.input.checked
    ? { fee_collected: true, fee_method: method.input.value || 'cash', receipt_no: receipt.input.value.trim() }
    : { fee_collected: false });
  /** True (and the field marked) when the fee is ticked as collected without its receipt number. */
  const problem = () => {
    const missing = box.input.checked && !receipt.input.value.trim();
    setFieldError(receipt, missing ? t('desk.receiptNeeded') : '');
    if (missing) receipt.input.focus();
    return missing;
  };
  return { wrap, payload, problem };
}
