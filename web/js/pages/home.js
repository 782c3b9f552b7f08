// Home: search the procedure catalogue, filter by field and level; look up a dossier by code.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty, card } from '../ui.js';
import { LEVELS, levelLabel, levelBadge, unitLabel } from '../levels.js';
import { labelled } from '../forms.js';

let knownFields = null; // the catalogue's field names, kept for the session

function searchForm(query, navigate) {
  const q = h('input', { type: 'search', name: 'q', value: query.q || '', placeholder: t('home.searchPlaceholder'), autocomplete: 'off' });
  const field = h('select', { name: 'field' }, h('option', { value: '' }, t('home.allFields')));
  const level = h('select', { name: 'level' }, h('option', { value: '' }, t('home.allLevels')),
    LEVELS.map((l) => h('option', { value: l }, levelLabel(l))));
  level.value = query.level || '';
  const fillFields = (names) => {
    for (const name of names) field.append(h('option', { value: name }, name));
    field.value = query.field || '';
  };
  if (knownFields) fillFields(knownFields);
  const form = h('form', { class: 'search-form', role: 'search', 'aria-label': t('home.searchLabel') },
    labelled(t('home.keyword'), q).wrap,
    labelled(t('home.field'), field).wrap,
    labelled(t('home.level'), level).wrap,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn' }, t('action.search'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const [k, v] of [['q', q.value.trim()], ['field', field.value], ['level', level.value]]) if (v) params.set(k, v);
    const s = params.toString();
    navigate(s ? `#/?${s}` : '#/');
  });
  /** Fill the field filter once, from the first answer that carries the catalogue's fields. */
  form.fillFields = (names) => {
    if (knownFields || !names?.length) return;
    knownFields = names;
    fillFields(names);
  };
  return form;
}

function lookupBox(navigate) {
  const code = h('input', { type: 'text', name: 'code', autocomplete: 'off', spellcheck: 'false' });
  const field = labelled(t('lookup.code'), code, { required: true });
  const form = h('form', { class: 'lookup-form', 'aria-label': t('home.lookupTitle') },
    field.wrap, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, t('action.lookup'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = code.value.trim();
    if (!v) {
      field.error.textContent = t('form.requiredEnter', { field: t('lookup.code') });
      field.error.hidden = false;
      code.setAttribute('aria-invalid', 'true');
      code.focus();
      return;
    }
    navigate(`#/lookup?code=${encodeURIComponent(v)}`);
  });
  return form;
}

function resultItem(p) {
  const agency = unitLabel(p.lead_agency, p.lead_agency_name);
  return h('li', { class: 'result' },
    h('h3', { class: 'result-title' }, h('a', { href: `#/procedures/${encodeURIComponent(p.code)}` }, p.name)),
    h('p', { class: 'result-meta' },
      levelBadge(p.level),
      h('span', { class: 'meta' }, `${t('procedure.code')}: ${p.code}`),
      p.field && h('span', { class: 'meta' }, `${t('home.field')}: ${p.field}`),
      h('span', { class: 'meta' }, `${t('procedure.leadAgency')}: `, agency)));
}

export async function render(view, { query, navigate }) {
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const filtered = Boolean(query.q || query.field || query.level);
  const search = searchForm(query, navigate);
  view.append(
    pageTitle(t('home.title'), h('p', { class: 'lead' }, t('home.lead'))),
    h('div', { class: 'home-grid' },
      card(h('h2', {}, t('home.searchTitle')), search),
      card(h('h2', {}, t('home.lookupTitle')), h('p', { class: 'muted' }, t('home.lookupHint')), lookupBox(navigate))),
    h('section', { class: 'results-section', 'aria-labelledby': 'results-title' },
      h('h2', { id: 'results-title' }, filtered ? t('home.results') : t('home.catalogue')),
      results));
  await loadInto(results,
    () => get('/api/procedures', { q: query.q, field: query.field, level: query.level }, { auth: false }),
    (body) => {
      const { items } = listOf(body);
      // the catalogue's fields come with every answer; else take them from an unfiltered list
      search.fillFields(body?.fields || (filtered ? null : [...new Set(items.map((p) => p.field).filter(Boolean))].sort((a, b) => a.localeCompare(b, 'vi'))));
      if (!items.length) return replace(results, empty(t('home.noResults')));
      return replace(results,
        h('p', { class: 'muted' }, t('home.count', { n: items.length })),
        h('ul', { class: 'result-list' }, items.map(resultItem)));
    });
}
