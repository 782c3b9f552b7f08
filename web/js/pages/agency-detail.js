// Agency: one dossier with documents and history; complete the open step (approve or return).
import { h, replace, uid } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { pageTitle, loadInto, card, busy, setFlash } from '../ui.js';
import { timeline } from '../timeline.js';
import { me } from '../session.js';
import { procedureOf, summaryCard, applicantCard, formDataCard, attachmentsCard, stepsCard } from '../dossier-view.js';

function completeForm(d, stepId, navigate) {
  const name = uid('outcome');
  const radio = (value, checked) => {
    const id = `${name}-${value}`;
    return h('div', { class: 'field-check' },
      h('input', { type: 'radio', name, id, value, checked }),
      h('label', { for: id }, t(`agency.${value}`)));
  };
  const noteId = uid('note');
  const note = h('textarea', { id: noteId, name: 'note', rows: 3, maxlength: 1000 });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'complete-step' }, t('agency.complete'));
  const form = h('form', { class: 'form', novalidate: true },
    h('fieldset', {}, h('legend', {}, t('agency.outcome')), radio('approve', true), radio('return', false)),
    h('div', { class: 'field' }, h('label', { for: noteId }, t('agency.note')), note),
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const outcome = form.querySelector(`input[name="${name}"]:checked`)?.value || 'approve';
    await busy(submit, async () => {
      await post(`/api/agency/dossiers/${encodeURIComponent(d.id)}/steps/${encodeURIComponent(stepId)}/complete`, { outcome, note: note.value.trim() });
      setFlash(t('agency.completed', { code: d.code || '' }));
      navigate('#/agency');
    });
  });
  return card(h('h2', {}, t('agency.completeTitle'), ': ', d.steps?.find((s) => s.step_id === stepId)?.name || stepId), form);
}

export async function render(view, { params, query, navigate }) {
  const body = h('div');
  view.append(body);
  await loadInto(body, async () => {
    const d = await get(`/api/agency/dossiers/${encodeURIComponent(params.id)}`);
    return { d, procedure: await procedureOf(d) };
  }, ({ d, procedure }) => {
    const unit = me()?.unit;
    const active = (d.steps || []).find((s) => s.state === 'active' && (!unit || s.agency === unit));
    const stepId = query.step || active?.step_id;
    replace(body,
      h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') }, h('a', { href: '#/agency' }, t('agency.title')), ' / ', d.code || d.id),
      pageTitle(d.procedure_name || procedure?.name || t('dossier.title')),
      stepId ? completeForm(d, stepId, navigate) : card(h('p', {}, t('agency.nothingOpen'))),
      summaryCard(d),
      stepsCard(d),
      applicantCard(d),
      formDataCard(d, procedure),
      attachmentsCard(d, procedure),
      d.history && card(h('h2', {}, t('dossier.history')), timeline(d.history)));
  });
}
