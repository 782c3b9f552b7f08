// Public feedback form (phản ánh, kiến nghị, Đ18-19): anonymous allowed; signed-in citizens are linked.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { pageTitle, card, busy, facts } from '../ui.js';
import { formatDateTime } from '../format.js';
import { labelled, setFieldError } from '../forms.js';
import { units } from '../levels.js';
import { role } from '../session.js';
import { postToStorage, DEFAULT_TYPES, DEFAULT_MAX } from '../upload.js';
import { unitSelect, categorySelect } from '../feedback-common.js';

const MAX_FILES = 5;

export async function render(view) {
  let unitList = [];
  try {
    unitList = await units();
  } catch {
    unitList = [];
  }
  const subject = labelled(t('fb.subject'), h('input', { type: 'text', name: 'subject', maxlength: 200 }), { required: true });
  const content = labelled(t('fb.content'), h('textarea', { name: 'content', rows: 6, maxlength: 5000 }), { required: true });
  const category = labelled(t('fb.category'), categorySelect('category', 'procedure'));
  const dossierCode = labelled(t('fb.dossierCode'), h('input', { type: 'text', name: 'dossier_code', autocomplete: 'off', spellcheck: 'false' }), { hint: t('fb.dossierCodeHint') });
  const agency = labelled(t('fb.agency'), unitSelect('agency', unitList), { hint: t('fb.agencyHint') });
  const name = labelled(t('fb.name'), h('input', { type: 'text', name: 'name', maxlength: 100, autocomplete: 'name' }));
  const contact = labelled(t('fb.contact'), h('input', { type: 'text', name: 'contact', maxlength: 200 }), { hint: t('fb.contactHint') });
  const anonymous = labelled(t('fb.anonymous'), h('input', { type: 'checkbox', name: 'anonymous' }));
  const consent = labelled(t('fb.consent'), h('input', { type: 'checkbox', name: 'publish_consent' }));
  const files = labelled(t('fb.files'), h('input', { type: 'file', name: 'files', multiple: true, accept: DEFAULT_TYPES.join(',') }), { hint: t('fb.filesHint') });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('fb.send'));
  const form = h('form', { class: 'form', id: 'feedback-form', novalidate: true },
    subject.wrap, content.wrap, category.wrap, dossierCode.wrap, agency.wrap,
    role() === 'citizen' ? null : name.wrap, contact.wrap, anonymous.wrap, consent.wrap, files.wrap,
    h('div', { class: 'form-actions' }, submit));
  const result = h('div', { id: 'feedback-result' });

  const fields = { subject, content, dossier_code: dossierCode, agency, contact, name, attachments: files };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    Object.values(fields).forEach((f) => setFieldError(f, ''));
    let bad = false;
    for (const f of [subject, content]) {
      if (!f.input.value.trim()) {
        setFieldError(f, t('form.requiredEnter', { field: f.label }));
        bad = true;
      }
    }
    if (!dossierCode.input.value.trim() && !agency.input.value) {
      setFieldError(agency, t('fb.agencyRequired'));
      bad = true;
    }
    const chosen = [...(files.input.files || [])];
    if (chosen.length > MAX_FILES || chosen.some((f) => f.size > DEFAULT_MAX || !DEFAULT_TYPES.includes(f.type))) {
      setFieldError(files, t('fb.filesHint'));
      bad = true;
    }
    if (bad) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    const body = {
      subject: subject.input.value.trim(),
      content: content.input.value.trim(),
      category: category.input.value,
      anonymous: anonymous.input.checked,
      publish_consent: consent.input.checked,
      attachments: chosen.map((f) => ({ filename: f.name, content_type: f.type, size: f.size })),
    };
    if (dossierCode.input.value.trim()) body.dossier_code = dossierCode.input.value.trim();
    else body.agency = agency.input.value;
    if (contact.input.value.trim()) body.contact = contact.input.value.trim();
    if (name.input.value.trim() && role() !== 'citizen') body.name = name.input.value.trim();
    await busy(submit, async () => {
      const fb = await post('/api/feedback', body);
      for (const [i, slot] of (fb.uploads || []).entries()) {
        await postToStorage(slot.url, slot.fields, chosen[i], () => {});
      }
      const link = `#/feedback/${encodeURIComponent(fb.code)}?token=${encodeURIComponent(fb.token)}`;
      form.reset();
      replace(result, card(
        h('h2', {}, t('fb.sent')),
        facts([
          [t('fb.code'), h('strong', { class: 'code', id: 'feedback-code' }, fb.code)],
          [t('fb.dueAt'), fb.due_at ? formatDateTime(fb.due_at) : null],
        ]),
        h('p', {}, t('fb.keepLink')),
        h('p', {}, h('a', { href: link, id: 'feedback-link' }, t('fb.follow')))));
      result.scrollIntoView?.({ block: 'nearest' });
    }, { form: { setError: (field, text) => fields[field] && setFieldError(fields[field], text) } });
  });

  view.append(pageTitle(t('fb.title'), h('p', { class: 'muted' }, t('fb.lead')),
    h('p', {}, h('a', { href: '#/qa' }, t('nav.qa')))), card(form), result);
}
