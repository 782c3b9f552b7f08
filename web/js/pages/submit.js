// Online submission: 1) applicant + e-form -> draft, 2) documents (upload, verdict), 3) review -> submit.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { me } from '../session.js';
import { pageTitle, card, facts, busy, showError, clearAlerts, setFlash, loadInto } from '../ui.js';
import { schemaForm, labelled, setFieldError } from '../forms.js';
import { uploadControl } from '../upload.js';
import { applicantSchema, prefillFrom, applicantPayload, applicantRows, formDataRows } from '../applicant.js';
import { levelBadge, units, nearestDesk } from '../levels.js';
import { latestEarlierDossier, prefillValues, markPrefilled, prefillNote } from '../prefill.js';

const STEPS = ['submit.step1', 'submit.step2', 'submit.step3'];

function stepper(current) {
  return h('ol', { class: 'stepper', 'aria-label': t('submit.progress') }, STEPS.map((key, i) => h('li', {
    class: i === current ? 'is-current' : i < current ? 'is-done' : '',
    'aria-current': i === current ? 'step' : null,
  }, h('span', { class: 'step-no', 'aria-hidden': 'true' }, String(i + 1)), t(key))));
}

/** Latest attachment per document requirement (accepted ones win). */
function latestByDoc(attachments = []) {
  const out = {};
  for (const a of attachments) {
    const prev = out[a.document_id];
    if (!prev || a.state === 'accepted' || prev.state !== 'accepted') out[a.document_id] = a;
  }
  return out;
}

export async function render(view, { params, query, navigate }) {
  const body = h('div');
  view.append(body);
  await loadInto(body, async () => {
    const procedure = await get(`/api/procedures/${encodeURIComponent(params.code)}`, {}, { auth: false });
    const dossier = query.dossier ? await get(`/api/my/dossiers/${encodeURIComponent(query.dossier)}`) : null;
    let profile = me();
    try {
      profile = await get('/api/me');
    } catch {
      /* the stored profile will do for prefilling */
    }
    const desks = (await units().catch(() => [])).filter((u) => u.kind === 'desk');
    // A new draft is prefilled from my latest earlier dossier too (a failure just means no prefill).
    const earlier = dossier ? null : await latestEarlierDossier().catch(() => null);
    return { procedure, dossier, profile, desks, earlier };
  }, ({ procedure, dossier, profile, desks, earlier }) => wizard(body, { procedure, dossier, profile, desks, earlier, navigate }));
}

function wizard(body, { procedure, dossier: existing, profile, desks, earlier, navigate }) {
  const state = { dossier: existing, step: existing ? 1 : 0 };
  const head = h('div');
  const stage = h('div', { class: 'wizard-stage' });
  replace(body,
    h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') },
      h('a', { href: '#/' }, t('nav.home')), ' / ',
      h('a', { href: `#/procedures/${encodeURIComponent(procedure.code)}` }, procedure.code), ' / ', t('submit.title')),
    pageTitle(t('submit.title'), h('p', { class: 'lead' }, procedure.name, ' ', levelBadge(procedure.level))),
    head, stage);

  if (procedure.level === 'not_online') {
    replace(stage, card(h('p', {}, t('procedure.notOnline'))));
    return;
  }
  if (existing && existing.status) {
    navigate(`#/my/${encodeURIComponent(existing.id)}`);
    return;
  }

  // Step 1: applicant and e-form.
  const who = { ...prefillFrom(profile), ...(profile?.profile || {}) };
  const pre1 = prefillValues(applicantSchema(), { profile: who, earlierData: earlier?.applicant });
  const pre2 = prefillValues(procedure.form_schema || { type: 'object' }, { profile: who, earlierData: earlier?.form_data });
  const applicant = schemaForm(applicantSchema(), { values: pre1.values, idPrefix: 'applicant' });
  const eform = schemaForm(procedure.form_schema || { type: 'object' }, { values: pre2.values, idPrefix: 'form' });
  const prefilled = markPrefilled(applicant.element, 'applicant', pre1.sources, earlier?.code)
    + markPrefilled(eform.element, 'form', pre2.sources, earlier?.code);
  // Where to file it: any desk of the province (NĐ 118/2025); the one nearest the agency by default.
  const deskSelect = h('select', { name: 'receiving_unit' }, desks.map((u) => h('option', { value: u.code }, u.name)));
  deskSelect.value = nearestDesk(desks, procedure.lead_agency)?.code || '';
  const deskField = labelled(t('submit.desk'), deskSelect, { required: true, hint: t('submit.deskHint') });
  const next1 = h('button', { type: 'submit', class: 'btn btn-primary' }, t('submit.saveAndContinue'));
  const form1 = h('form', { class: 'form', novalidate: true },
    prefilled > 0 && prefillNote(),
    desks.length > 0 && h('fieldset', {}, h('legend', {}, t('submit.where')), deskField.wrap),
    h('fieldset', {}, h('legend', {}, t('submit.applicant')), applicant.element),
    !eform.isEmpty && h('fieldset', {}, h('legend', {}, procedure.form_schema?.title || t('submit.eform')), eform.element),
    h('div', { class: 'form-actions' }, next1));
  form1.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearAlerts();
    // The e-form first, so that focus ends on the first problem from the top of the page.
    const f = eform.validate();
    const a = applicant.validate();
    if (!a || !f) {
      showError(t('form.fixErrors'));
      return;
    }
    await busy(next1, async () => {
      const created = await post('/api/my/dossiers', { procedure_code: procedure.code, applicant: applicantPayload(a), form_data: f, receiving_unit: deskSelect.value || undefined }).catch((err) => {
        const name = String(err.field || '');
        if (name.startsWith('applicant')) applicant.setError(name, err.text);
        else if (name) eform.setError(name, err.text);
        throw err;
      });
      state.dossier = created;
      // A reload resumes this draft instead of starting another one.
      history.replaceState(null, '', `#/submit/${encodeURIComponent(procedure.code)}?dossier=${encodeURIComponent(created.id)}`);
      go(1);
    });
  });

  // Step 2: documents (built once the draft exists, so uploads have somewhere to go).
  let controls = null;
  const docsStage = h('div');
  function buildDocs() {
    if (controls) return;
    const base = `/api/my/dossiers/${encodeURIComponent(state.dossier.id)}`;
    const current = latestByDoc(state.dossier.attachments);
    controls = (procedure.documents || []).map((doc) => uploadControl({ base, doc, current: current[doc.id] || null }));
    const missing = h('div', { class: 'field-error', role: 'alert', id: 'docs-missing', hidden: true });
    const next2 = h('button', { type: 'button', class: 'btn btn-primary' }, t('submit.toReview'));
    next2.addEventListener('click', () => {
      const lacking = controls.filter((c) => c.doc.required !== false && c.attachment?.state !== 'accepted');
      if (lacking.length) {
        missing.textContent = t('submit.missingDocs', { names: lacking.map((c) => c.doc.name).join('; ') });
        missing.hidden = false;
        lacking[0].element.querySelector('input[type=file]')?.focus();
        return;
      }
      missing.hidden = true;
      go(2);
    });
    replace(docsStage, card(
      h('h2', {}, t('submit.documents')),
      h('p', { class: 'muted' }, t('submit.documentsHint')),
      controls.length ? h('div', { class: 'uploads' }, controls.map((c) => c.element)) : h('p', {}, t('procedure.noDocuments')),
      missing,
      h('div', { class: 'form-actions' }, next2)));
  }

  // Step 3: review and submit.
  const reviewStage = h('div');
  function buildReview() {
    const d = state.dossier;
    const attached = controls.map((c) => c.attachment).filter((a) => a?.state === 'accepted');
    const confirm = labelled(t('submit.declaration'), h('input', { type: 'checkbox', name: 'declaration' }), { required: true });
    const send = h('button', { type: 'button', class: 'btn btn-primary btn-large', id: 'submit-dossier' }, t('submit.send'));
    const back = h('button', { type: 'button', class: 'btn btn-secondary' }, t('action.back'));
    back.addEventListener('click', () => go(1));
    send.addEventListener('click', async () => {
      if (!confirm.input.checked) {
        setFieldError(confirm, t('submit.declarationNeeded'));
        confirm.input.focus();
        return;
      }
      setFieldError(confirm, '');
      await busy(send, async () => {
        const done = await post(`/api/my/dossiers/${encodeURIComponent(d.id)}/submit`, {});
        setFlash(t('submit.done'));
        navigate(`#/my/${encodeURIComponent(done?.id || d.id)}`);
      });
    });
    const desk = desks.find((u) => u.code === d.receiving_unit);
    replace(reviewStage,
      card(h('h2', {}, t('submit.where')), facts([[t('submit.desk'), desk?.name || d.receiving_unit]])),
      card(h('h2', {}, t('submit.applicant')), facts(applicantRows(d.applicant))),
      card(h('h2', {}, procedure.form_schema?.title || t('submit.eform')), facts(formDataRows(procedure.form_schema, d.form_data))),
      card(h('h2', {}, t('submit.documents')), attached.length
        ? h('ul', { class: 'plain checklist' }, attached.map((a) => h('li', {}, `✓ ${(procedure.documents || []).find((x) => x.id === a.document_id)?.name || a.document_id}: ${a.filename || ''}`)))
        : h('p', {}, t('submit.noAttachments'))),
      card(confirm.wrap, h('div', { class: 'form-actions' }, back, send)));
  }

  function go(step) {
    state.step = step;
    replace(head, stepper(step));
    if (step === 0) replace(stage, card(form1));
    if (step === 1) { buildDocs(); replace(stage, docsStage); }
    if (step === 2) { buildReview(); replace(stage, reviewStage); }
    stage.querySelector('h2, legend')?.scrollIntoView?.({ block: 'start' });
    if (step > 0) stage.querySelector('h2')?.setAttribute('tabindex', '-1');
    if (step > 0) stage.querySelector('h2')?.focus();
  }

  go(state.step);
}
