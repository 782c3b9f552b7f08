// Public lookup by face (Đ8.1c). Where Rekognition is not available (the local stack) the page
// says so and offers the code and QR lookups instead.
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { pageTitle, loadInto, card, busy, facts, statusBadge } from '../ui.js';
import { timeEl } from '../format.js';
import { t } from '../i18n.js';
import { tc } from '../care-strings.js';
import { postImage } from '../care-upload.js';

function results(r) {
  if (!r.matched) return h('p', { class: 'notice-box', id: 'face-result' }, tc('face.noMatch'));
  if (!r.dossiers.length) return h('p', { class: 'notice-box', id: 'face-result' }, tc('face.noOpen'));
  return h('div', { id: 'face-result' }, r.dossiers.map((d) => card(facts([
    [t('dossier.code'), h('strong', { class: 'code' }, d.code)],
    [t('dossier.procedure'), d.procedure_name],
    [t('lookup.applicant'), d.applicant_masked],
    [t('dossier.status'), statusBadge(d.status)],
    [t('dossier.appointmentAt'), timeEl(d.appointment_at)],
  ]))));
}

export async function render(view) {
  const body = h('div');
  view.append(pageTitle(tc('face.title'), h('p', { class: 'muted' }, tc('face.lead'))), body);
  await loadInto(body, () => get('/api/lookup/face', {}, { auth: false }), (info) => {
    const byCode = h('a', { href: '#/lookup', class: 'btn btn-secondary', id: 'face-by-code' }, tc('face.byCode'));
    if (!info.available) {
      replace(body, h('p', { class: 'notice-box warn', id: 'face-unavailable' }, tc('face.unavailable')), h('p', {}, byCode));
      return;
    }
    const file = h('input', { type: 'file', id: 'face-photo', accept: 'image/jpeg,image/png', capture: 'user' });
    const out = h('div');
    const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, tc('face.search'));
    const form = h('form', { class: 'form' }, h('div', { class: 'field' }, h('label', { for: 'face-photo' }, tc('face.photo')), file), h('div', { class: 'form-actions' }, btn));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!file.files?.[0]) return;
      busy(btn, async () => replace(out, results(await postImage('/api/lookup/face', file.files[0]))));
    });
    replace(body, card(form), out, h('p', {}, byCode));
  });
}
