// Public Q&A: answered feedback the senders agreed to publish, with personal data removed. Searchable.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, card, empty } from '../ui.js';
import { labelled } from '../forms.js';
import { timeEl } from '../format.js';
import { categoryLabel } from '../feedback-common.js';
import { unitLabel } from '../levels.js';

export async function render(view, { query, navigate }) {
  const q = labelled(t('qa.search'), h('input', { type: 'search', name: 'q', value: query.q || '', autocomplete: 'off' }));
  const form = h('form', { class: 'form inline-form', role: 'search', 'aria-label': t('qa.search') },
    q.wrap, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('action.search'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = q.input.value.trim();
    navigate(v ? `#/qa?q=${encodeURIComponent(v)}` : '#/qa');
  });
  const list = h('div', { id: 'qa-list' });
  view.append(pageTitle(t('qa.title'), h('p', { class: 'muted' }, t('qa.lead')),
    h('p', {}, h('a', { href: '#/feedback', class: 'btn btn-secondary btn-small' }, t('nav.feedback')))), card(form), list);
  await loadInto(list, () => get('/api/qa', { q: query.q }, { auth: false }), (body) => {
    const { items } = listOf(body);
    if (!items.length) return replace(list, empty(query.q ? t('qa.noMatch') : t('qa.none')));
    return replace(list, items.map((e) => h('article', { class: 'card qa-item', 'data-code': e.code },
      h('h2', {}, e.subject),
      h('p', { class: 'muted' }, categoryLabel(e.category), ' · ', unitLabel(e.agency), ' · ', timeEl(e.published_at)),
      h('h3', {}, t('qa.question')),
      h('p', { class: 'qa-question' }, e.question),
      h('h3', {}, t('qa.answer')),
      h('p', { class: 'qa-answer' }, e.answer))));
  });
}
