// The dossier wizard, shared by the citizen's online submission (pages/submit.js) and the desk's
// walk-in entry (pages/desk-new.js): 1) applicant + e-form -> a draft, 2) documents, 3) review ->
// submit or receive. Its state lives in the URL (`<route>?dossier=<id>&step=<1-3>`): a reload, the
// browser's Back and a draft's "continue" link land on the step the person was at, with what was
// saved. Step-1 typing not saved yet is kept for this tab and this person (sessionStorage, cleared
// on sign-out) and the browser asks before a page with such typing is left.
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { post } from './api.js';
import { card, facts, busy, showError, clearAlerts } from './ui.js';
import { schemaForm, labelled } from './forms.js';
import { uploadControl } from './upload.js';
import { applicantSchema, applicantPayload, applicantRows, formDataRows } from './applicant.js';
import { markPrefilled, prefillNote } from './prefill.js';
import { me, TYPING_PREFIX } from './session.js';
import { representationFields } from './representation.js';

const STEPS = ['submit.step1', 'submit.step2', 'submit.step3'];

/** The URL of a draft's step (1-3; none: where the draft stands) in the wizard at `route`. */
export function wizardHash(route, id, step) {
  return `${route}?dossier=${encodeURIComponent(id)}${step ? `&step=${step}` : ''}`;
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

function papersComplete(documents, attachments) {
  const current = latestByDoc(attachments);
  return (documents || []).every((doc) => doc.required === false || current[doc.id]?.state === 'accepted');
}

/**
 * The step (1-3) a draft opens at: the one asked for when it can be shown, else where it stands
 * (the review once every required paper is in, the papers before that). No draft yet: step 1.
 */
export function resumeStep(d, documents, asked) {
  if (!d) return 1;
  const ready = papersComplete(documents || d.documents, d.attachments);
  const n = Number(asked);
  if (n === 1 || n === 2) return n;
  return ready ? 3 : 2;
}

function stepper(current, keys) {
  return h('ol', { class: 'stepper', 'aria-label': t('submit.progress') }, keys.map((key, i) => h('li', {
    class: i === current ? 'is-current' : i < current ? 'is-done' : '',
    'aria-current': i === current ? 'step' : null,
  }, h('span', { class: 'step-no', 'aria-hidden': 'true' }, String(i + 1)), t(key))));
}

const typingKey = (api, code, id) => `${TYPING_PREFIX}${me()?.sub || me()?.username || ''}|${api}|${code}|${id || 'new'}`;

function readTyping(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}

/**
 * Render the wizard into `body`.
 * - route, api: the wizard's hash ('#/submit/<code>') and the API's collection ('/api/my/dossiers')
 * - procedure, dossier (a draft or null), step (the URL's, or null)
 * - values {applicant, form}, prefill {applicant, form, earlierCode} (sources), for a new draft
 * - desks (where a citizen may file; none for the desk's own entry)
 * - finish({ dossier, back }): the last step's card (submit or receive)
 * - doneHash(dossier): where a dossier that left the draft state is shown
 * - lastStep: the i18n key naming step 3 (default "Xem lại và nộp")
 */
export function dossierWizard(body, opts) {
  const { route, api, procedure, desks = [], values = {}, prefill = null, finish, doneHash } = opts;
  const stepKeys = [...STEPS.slice(0, 2), opts.lastStep || STEPS[2]];
  if (opts.dossier?.status?.code) {
    location.replace(doneHash(opts.dossier)); // Back onto a submitted dossier's wizard: its page
    return;
  }
  const state = { dossier: opts.dossier || null, step: 0 };
  const documents = procedure.documents || [];
  const head = h('div');
  const stage = h('div', { class: 'wizard-stage' });
  body.append(head, stage);

  // ---- step 1: applicant and e-form
  let key = typingKey(api, procedure.code, state.dossier?.id);
  const typed = readTyping(key);
  const saved = state.dossier;
  const start = typed || (saved
    ? { applicant: saved.applicant || {}, form: saved.form_data || {}, desk: saved.receiving_unit }
    : { applicant: values.applicant || {}, form: values.form || {}, desk: values.desk });
  const applicant = schemaForm(applicantSchema(), { values: start.applicant, idPrefix: 'applicant' });
  const eform = schemaForm(procedure.form_schema || { type: 'object' }, { values: start.form, idPrefix: 'form' });
  const marked = !typed && !saved && prefill
    ? markPrefilled(applicant.element, 'applicant', prefill.applicant, prefill.earlierCode)
      + markPrefilled(eform.element, 'form', prefill.form, prefill.earlierCode)
    : 0;
  // A citizen signed in with VNeID may file a new dossier for a minor child or under a written
  // authorisation (the API checks it); an organisation's account always files for itself.
  const forOthers = api === '/api/my/dossiers' && !saved && me()?.identity_provider === 'vneid' && me()?.account_kind !== 'organisation';
  const rep = forOthers ? representationFields(procedure.code) : null;
  const deskSelect = desks.length ? h('select', { name: 'receiving_unit' }, desks.map((u) => h('option', { value: u.code }, u.name))) : null;
  if (deskSelect && start.desk) deskSelect.value = start.desk;
  const next1 = h('button', { type: 'submit', class: 'btn btn-primary' }, t('submit.saveAndContinue'));
  const form1 = h('form', { class: 'form', novalidate: true, id: 'wizard-step1' },
    marked > 0 && prefillNote(),
    deskSelect && h('fieldset', {}, h('legend', {}, t('submit.where')),
      labelled(t('submit.desk'), deskSelect, { required: true, hint: t('submit.deskHint') }).wrap),
    rep && rep.element,
    h('fieldset', {}, h('legend', {}, t('submit.applicant')), applicant.element),
    !eform.isEmpty && h('fieldset', {}, h('legend', {}, procedure.form_schema?.title || t('submit.eform')), eform.element),
    h('div', { class: 'form-actions' }, next1));

  let dirty = Boolean(typed);
  const keep = () => {
    dirty = true;
    try {
      sessionStorage.setItem(key, JSON.stringify({ applicant: applicant.values(), form: eform.values(), desk: deskSelect?.value }));
    } catch {
      /* storage full or off: the unload warning still protects the typing */
    }
  };
  const forget = () => {
    dirty = false;
    sessionStorage.removeItem(key);
  };
  form1.addEventListener('input', keep);
  form1.addEventListener('change', keep);
  const onLeave = (e) => {
    if (!body.isConnected) {
      window.removeEventListener('beforeunload', onLeave);
      return;
    }
    if (dirty) {
      e.preventDefault();
      e.returnValue = '';
    }
  };
  window.addEventListener('beforeunload', onLeave);

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
      const payload = { procedure_code: procedure.code, applicant: applicantPayload(a), form_data: f, receiving_unit: deskSelect?.value || undefined, representation: rep?.value() };
      const path = state.dossier ? `${api}/${encodeURIComponent(state.dossier.id)}` : api;
      const d = await post(path, payload).catch((err) => {
        const name = String(err.field || '');
        if (name.startsWith('representation')) {
          rep?.setError(name, err.text); // under its field when one fits, and as the page's alert
          throw err;
        }
        if (name.startsWith('applicant')) applicant.setError(name, err.text);
        else if (name) eform.setError(name, err.text);
        throw err;
      });
      forget();
      if (!state.dossier) {
        // This entry becomes the draft's step 1, so Back returns to what was just saved.
        history.replaceState(null, '', wizardHash(route, d.id, 1));
        key = typingKey(api, procedure.code, d.id);
      }
      state.dossier = { ...state.dossier, ...d };
      go(1);
    });
  });

  // ---- step 2: documents (built once the draft exists, so uploads have somewhere to go)
  let controls = null;
  const docsStage = h('div');
  function buildDocs() {
    if (controls) return;
    const base = `${api}/${encodeURIComponent(state.dossier.id)}`;
    const current = latestByDoc(state.dossier.attachments);
    // the dossier's own list: the procedure's, plus a written authorisation's slot when it needs one
    const wanted = state.dossier.documents?.length ? state.dossier.documents : documents;
    controls = wanted.map((doc) => uploadControl({ base, doc, current: current[doc.id] || null }));
    const missing = h('div', { class: 'field-error', role: 'alert', id: 'docs-missing', hidden: true });
    const back = h('button', { type: 'button', class: 'btn btn-secondary' }, t('action.back'));
    back.addEventListener('click', () => go(0));
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
      h('div', { class: 'form-actions' }, back, next2)));
  }

  // ---- step 3: review, then the caller's last action
  const reviewStage = h('div');
  function buildReview() {
    const d = state.dossier;
    const attached = controls.map((c) => c.attachment).filter((a) => a?.state === 'accepted');
    const back = h('button', { type: 'button', class: 'btn btn-secondary' }, t('action.back'));
    back.addEventListener('click', () => go(1));
    const desk = desks.find((u) => u.code === d.receiving_unit);
    replace(reviewStage,
      desks.length > 0 && card(h('h2', {}, t('submit.where')), facts([[t('submit.desk'), desk?.name || d.receiving_unit]])),
      card(h('h2', {}, t('submit.applicant')), facts(applicantRows(d.applicant))),
      card(h('h2', {}, procedure.form_schema?.title || t('submit.eform')), facts(formDataRows(procedure.form_schema, d.form_data))),
      card(h('h2', {}, t('submit.documents')), attached.length
        ? h('ul', { class: 'plain checklist' }, attached.map((a) => h('li', {}, `✓ ${documents.find((x) => x.id === a.document_id)?.name || a.document_id}: ${a.filename || ''}`)))
        : h('p', {}, t('submit.noAttachments'))),
      finish({ dossier: d, back }));
  }

  /** Show step `step` (0-2); a new step is a new history entry, so Back walks the steps. */
  function go(step, push = true) {
    state.step = step;
    if (state.dossier) {
      const hash = wizardHash(route, state.dossier.id, step + 1);
      if (push) history.pushState(null, '', hash);
      else if (location.hash !== hash) history.replaceState(null, '', hash);
    }
    replace(head, stepper(step, stepKeys));
    if (step === 0) replace(stage, card(form1));
    if (step === 1) { buildDocs(); replace(stage, docsStage); }
    if (step === 2) { buildDocs(); buildReview(); replace(stage, reviewStage); }
    stage.querySelector('h2, legend')?.scrollIntoView?.({ block: 'start' });
    if (step > 0) stage.querySelector('h2')?.setAttribute('tabindex', '-1');
    if (step > 0) stage.querySelector('h2')?.focus();
  }

  go(resumeStep(state.dossier, documents, opts.step) - 1, false);
}
