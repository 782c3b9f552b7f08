// Public FAQ (Đ10.4): published questions, searchable without accents, by field and procedure.
import { h, replace } from '../dom.js';
import { get } from '../api.js';
import { pageTitle, loadInto, card, empty } from '../ui.js';
import { labelled } from '../forms.js';
import { tc } from '../care-strings.js';
import { getLang } from '../i18n.js';

/** The entry's text in the page's language; the Vietnamese text when it has no English. */
const own = (f, key) => (getLang() === 'en' && f[`${key}_en`]) || f[key];

export async function render(view, { query, navigate }) {
  const q = labelled(tc('faq.q'), h('input', { type: 'search', name: 'q', value: query.q || '', autocomplete: 'off' }));
  const field = labelled(tc('faq.field'), h('select', { name: 'field' }, h('option', { value: '' }, tc('faq.allFields'))));
  const form = h('form', { class: 'form inline-form', role: 'search', 'aria-label': tc('faq.title') },
    q.wrap, field.wrap, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, tc('faq.search'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    if (q.input.value.trim()) params.set('q', q.input.value.trim());
    if (field.input.value) params.set('field', field.input.value);
    if (query.procedure) params.set('procedure', query.procedure);
    const s = params.toString();
    navigate(s ? `#/faq?${s}` : '#/faq');
  });
  const list = h('div', { id: 'faq-list' });
  view.append(
    pageTitle(tc('faq.title'), h('p', { class: 'muted' }, query.procedure ? tc('faq.forProcedure', { code: query.procedure }) : tc('faq.lead'))),
    card(form), list);
  await loadInto(list, () => get('/api/faq', { q: query.q, field: query.field, procedure: query.procedure }, { auth: false }), (r) => {
    for (const f of r.fields || []) field.input.append(h('option', { value: f, selected: f === query.field }, f));
    if (!r.items?.length) {
      replace(list, empty(tc('faq.none')));
      return;
    }
    replace(list,
      h('p', { class: 'muted small' }, tc('faq.count', { n: r.items.length })),
      r.items.map((f) => h('details', { class: 'card faq-item', id: `faq-${f.id}` },
        h('summary', {}, h('strong', {}, own(f, 'question'))),
        h('p', { class: 'faq-answer' }, own(f, 'answer')),
        h('p', { class: 'small muted' }, f.field, f.procedure_code && [' · ', h('a', { href: `#/procedures/${encodeURIComponent(f.procedure_code)}` }, f.procedure_code)]))));
  });
}
