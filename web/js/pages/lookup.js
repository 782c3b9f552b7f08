// Public lookup by dossier code (and the QR token, which adds the timeline). No personal data.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pageTitle, loadInto, card, facts, statusBadge } from '../ui.js';
import { labelled, setFieldError } from '../forms.js';
import { timeEl } from '../format.js';
import { timeline } from '../timeline.js';
import { unitLabel } from '../levels.js';
import { stepsCard } from '../dossier-view.js';
import { tc } from '../care-strings.js';

export async function render(view, { query, navigate }) {
  const code = labelled(t('lookup.code'), h('input', { type: 'text', name: 'code', value: query.code || '', autocomplete: 'off', spellcheck: 'false' }), { required: true });
  const form = h('form', { class: 'form inline-form', novalidate: true, role: 'search', 'aria-label': t('lookup.title') },
    code.wrap, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('action.lookup'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = code.input.value.trim();
    if (!v) {
      setFieldError(code, t('form.requiredEnter', { field: t('lookup.code') }));
      code.input.focus();
      return;
    }
    navigate(`#/lookup?code=${encodeURIComponent(v)}`);
  });
  const result = h('div', { id: 'lookup-result' });
  view.append(pageTitle(t('lookup.title'), h('p', { class: 'muted' }, t('lookup.lead'))), card(form), result);
  if (!query.code) return;
  await loadInto(result, () => get(`/api/lookup/${encodeURIComponent(query.code)}`, { token: query.token }, { auth: false }), (r) => {
    replace(result,
      card(h('h2', {}, t('lookup.result')), facts([
        [t('dossier.code'), h('strong', { class: 'code' }, r.code)],
        [t('dossier.procedure'), r.procedure_name],
        [t('lookup.applicant'), r.applicant_masked],
        [t('dossier.status'), statusBadge(r.status)],
        [t('dossier.receivedAt'), timeEl(r.received_at)],
        [t('dossier.appointmentAt'), timeEl(r.appointment_at)],
        [t('lookup.currentAgency'), r.current_agency ? unitLabel(r.current_agency, r.current_agency_name) : null],
      ])),
      stepsCard(r),
      // The receipt's QR carries the token: with the result returned, it is also the rating link.
      r.verified && r.status && r.status.code === 10 && query.token && card(
        h('a', { class: 'btn btn-primary', id: 'rate-link', href: `#/rate?code=${encodeURIComponent(r.code)}&token=${encodeURIComponent(query.token)}` }, tc('rate.title'))),
      Array.isArray(r.history) && card(h('h2', {}, t('dossier.history')), timeline(r.history)));
  });
}
