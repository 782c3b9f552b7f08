// Rate a returned dossier: `#/rate?id=<dossier id>` (signed-in owner) or
// `#/rate?code=<code>&token=<lookup token>` (the link printed on the receipt).
import { h, replace } from '../dom.js';
import { get, post } from '../api.js';
import { getLang } from '../i18n.js';
import { pageTitle, loadInto, card, busy, showNotice, showError, statusBadge } from '../ui.js';
import { tc } from '../care-strings.js';

const LEVELS = ['satisfied', 'neutral', 'dissatisfied'];

function radios(criterion, label, levels) {
  return h('fieldset', { class: 'field rating-criterion', id: `crit-${criterion}` },
    h('legend', {}, label),
    h('div', { class: 'radio-row' }, levels.map((lv) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: criterion, value: lv, required: true }), ' ', tc(`rate.${lv}`)))));
}

export async function render(view, { query }) {
  const byLink = Boolean(query.code && query.token);
  const statusPath = byLink ? `/api/ratings/${encodeURIComponent(query.code)}?token=${encodeURIComponent(query.token)}` : `/api/my/dossiers/${encodeURIComponent(query.id || '')}/rating`;
  const body = h('div');
  view.append(pageTitle(tc('rate.title'), h('p', { class: 'muted' }, tc('rate.lead'))), body);
  await loadInto(body, () => get(statusPath, {}, { auth: !byLink }), (st) => {
    const head = card(h('p', {}, h('strong', { class: 'code' }, st.code || ''), ' — ', st.procedure_name || st.procedure_code, ' ', statusBadge(st.status)));
    if (st.rated) {
      replace(body, head, h('p', { class: 'notice-box', id: 'rate-done' }, tc('rate.done')));
      return;
    }
    if (!st.can_rate) {
      replace(body, head, h('p', { class: 'notice-box warn' }, tc('rate.notYet')));
      return;
    }
    const label = (c) => (getLang() === 'en' ? c.label_en : c.label_vi);
    const fields = st.criteria.map((c) => {
      if (c.id === 'trips') {
        return h('div', { class: 'field' }, h('label', { for: 'rate-trips' }, tc('rate.trips')),
          h('input', { type: 'number', id: 'rate-trips', name: 'trips', min: '0', max: '50', value: '1', required: true }));
      }
      return radios(c.id, label(c), c.id === 'online_service' ? [...LEVELS, 'not_used'] : LEVELS);
    });
    const comment = h('textarea', { id: 'rate-comment', name: 'comment', rows: '3', maxlength: '2000' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, tc('rate.submit'));
    const form = h('form', { class: 'form', id: 'rating-form', novalidate: true }, fields,
      h('div', { class: 'field' }, h('label', { for: 'rate-comment' }, tc('rate.comment')), comment),
      h('div', { class: 'form-actions' }, submit));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const scores = {};
      for (const c of st.criteria) {
        if (c.id === 'trips') {
          scores.trips = Number(form.querySelector('#rate-trips').value || 0);
          continue;
        }
        const picked = form.querySelector(`input[name="${c.id}"]:checked`);
        if (!picked) {
          showError(tc('rate.pick'));
          form.querySelector(`input[name="${c.id}"]`).focus();
          return;
        }
        scores[c.id] = picked.value;
      }
      const payload = { scores, comment: comment.value.trim() || null };
      busy(submit, async () => {
        const path = byLink ? statusPath : `/api/my/dossiers/${encodeURIComponent(query.id)}/rating`;
        await post(path, payload, { auth: !byLink });
        replace(body, head, h('p', { class: 'notice-box', id: 'rate-thanks' }, tc('rate.thanks')));
        showNotice(tc('rate.thanks'));
      });
    });
    replace(body, head, card(form));
  });
}
