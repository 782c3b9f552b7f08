// Desk: one dossier. Accept (then print the receipt), refuse or ask for a supplement; return a result.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, blob } from '../api.js';
import { pageTitle, loadInto, card, busy, showNotice, clearAlerts, openBlob } from '../ui.js';
import { labelled, setFieldError } from '../forms.js';
import { timeEl } from '../format.js';
import { timeline } from '../timeline.js';
import { procedureOf, summaryCard, applicantCard, formDataCard, attachmentsCard, stepsCard } from '../dossier-view.js';

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

export async function render(view, { params }) {
  const body = h('div');
  view.append(body);
  const id = encodeURIComponent(params.id);
  const base = `/api/desk/dossiers/${id}`;
  const load = () => loadInto(body, async () => {
    const d = await get(base);
    return { d, procedure: await procedureOf(d) };
  }, ({ d, procedure }) => show(d, procedure));

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

  function show(d, procedure, justAccepted = false) {
    const code = d.status?.code;
    const actions = h('div', { class: 'actions' });
    const slot = h('div', { class: 'receipt-slot' });
    if (code === 1) {
      const accept = h('button', { type: 'button', class: 'btn btn-primary', id: 'accept' }, t('desk.accept'));
      accept.addEventListener('click', () => busy(accept, async () => {
        clearAlerts();
        const updated = await post(`${base}/accept`, {});
        showNotice(t('desk.accepted', { code: updated.code || '' }));
        show(await fresh(updated), procedure, true);
      }));
      const refuse = reasonAction({ key: 'refuse', danger: true, onSubmit: async (reason) => {
        const updated = await post(`${base}/refuse`, { reason });
        showNotice(t('desk.refused'));
        show(await fresh(updated), procedure);
      } });
      const supplement = reasonAction({ key: 'supplement', onSubmit: async (reason) => {
        const updated = await post(`${base}/supplement`, { reason });
        showNotice(t('desk.supplemented'));
        show(await fresh(updated), procedure);
      } });
      actions.append(h('div', { class: 'btn-row' }, accept, supplement.open, refuse.open), supplement.form, refuse.form);
    }
    if (code === 9) {
      const ret = h('button', { type: 'button', class: 'btn btn-primary', id: 'return-result' }, t('desk.return'));
      ret.addEventListener('click', () => busy(ret, async () => {
        const updated = await post(`${base}/return`, {});
        showNotice(t('desk.returned'));
        show(await fresh(updated), procedure);
      }));
      actions.append(h('div', { class: 'btn-row' }, ret));
    }
    if (d.code) actions.append(h('div', { class: 'btn-row' }, receiptButton(d, slot), slot));
    replace(body,
      h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') }, h('a', { href: '#/desk' }, t('desk.title')), ' / ', d.code || d.id),
      pageTitle(d.procedure_name || procedure?.name || t('dossier.title')),
      justAccepted && h('div', { class: 'card card-success', id: 'accept-result' },
        h('h2', {}, t('desk.acceptedTitle')),
        h('p', {}, `${t('dossier.code')}: `, h('strong', { class: 'code' }, d.code || '')),
        h('p', {}, `${t('dossier.appointmentAt')}: `, timeEl(d.appointment_at))),
      actions.childNodes.length ? card(h('h2', {}, t('common.actions')), actions) : null,
      summaryCard(d),
      applicantCard(d),
      formDataCard(d, procedure),
      attachmentsCard(d, procedure),
      stepsCard(d),
      d.history && card(h('h2', {}, t('dossier.history')), timeline(d.history)));
  }

  await load();
}
