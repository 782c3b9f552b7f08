// Shared pieces of the administrator's console: page strings [vi, en], a filter bar, and a table
// that pages through a server list with its cursor ("Xem thêm") — nothing loads a whole table.
import { h, replace, uid } from '../dom.js';
import { getLang } from '../i18n.js';
import { get, ApiError } from '../api.js';
import { units } from '../levels.js';
import { loadInto, empty, moreButton } from '../ui.js';

/** A lookup over a page's own {key: [vi, en]} strings, with {placeholders}. */
export function strings(S) {
  return (key, params = {}) => {
    let out = S[key] ? S[key][getLang() === 'en' ? 1 : 0] : key;
    for (const [k, v] of Object.entries(params)) out = out.split(`{${k}}`).join(String(v));
    return out;
  };
}

/** A labelled control in a compact grid cell; returns {wrap, input, error}. */
export function cell(label, input, { hint } = {}) {
  const id = input.id || uid('adm');
  input.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-err`, hidden: true });
  input.setAttribute('aria-describedby', [hint && `${id}-hint`, `${id}-err`].filter(Boolean).join(' '));
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), input, hint && h('p', { class: 'field-hint', id: `${id}-hint` }, hint), error);
  return { wrap, input, error };
}

/** Show or clear ('' ) a cell's inline message. */
export function cellError(c, message) {
  c.error.textContent = message || '';
  c.error.hidden = !message;
  c.wrap.classList.toggle('has-error', Boolean(message));
  if (message) c.input.setAttribute('aria-invalid', 'true');
  else c.input.removeAttribute('aria-invalid');
}

/** A form's error slot and its `show(err)`: an API error naming one of `fields` goes under that
 * field, anything else into the slot; `show()` clears both. Returns {slot, show}. */
export function formErrors(fields) {
  const slot = h('p', { class: 'field-error form-error', role: 'alert', hidden: true });
  const show = (err) => {
    Object.values(fields).forEach((c) => cellError(c, ''));
    const text = err ? (err instanceof ApiError ? err.text : String(err.message || err)) : '';
    const target = err instanceof ApiError && err.field ? fields[err.field] : null;
    if (target) cellError(target, text);
    slot.textContent = target ? '' : text;
    slot.hidden = Boolean(target) || !text;
  };
  return { slot, show };
}

/** A <select> from [[value, label], ...]. */
export function select(name, options, value = '') {
  const el = h('select', { name }, options.map(([v, label]) => h('option', { value: v }, label)));
  el.value = value;
  return el;
}

/**
 * A filter bar: `fields` are cells whose inputs have a `name`; `onApply(values)` runs on submit.
 */
export function filterBar({ id, fields, apply, onApply }) {
  const button = h('button', { type: 'submit', class: 'btn btn-secondary' }, apply);
  const form = h('form', { class: 'admin-filter', id, role: 'search', novalidate: true }, fields.map((f) => f.wrap), h('div', { class: 'field admin-filter-go' }, button));
  const values = () => Object.fromEntries(fields.map((f) => [f.input.name, f.input.value.trim()]));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onApply(values());
  });
  return { form, values };
}

/**
 * A table over a paged API list. `head` are column labels, `row(item)` makes a <tr>.
 * `reload(params)` starts again from the first page with new filters.
 */
export function pagedTable({ id, caption, path, head, row, emptyText, more, limit = 20 }) {
  const region = h('div', { id: `${id}-region` });
  let params = {};
  const reload = (next = params) => {
    params = next;
    return loadInto(region, () => get(path, { ...params, limit }), (first) => {
      if (!(first?.items || []).length) return replace(region, empty(emptyText));
      const tbody = h('tbody', {}, first.items.map(row));
      const filters = params;
      const moreBtn = moreButton({
        id: `${id}-more`,
        label: more,
        next: first.next,
        fetchPage: (cursor) => get(path, { ...filters, limit, cursor }),
        append: (items) => tbody.append(...items.map(row)),
      });
      return replace(region,
        h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id },
          h('caption', { class: 'sr-only' }, caption),
          h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col' }, label)))),
          tbody)),
        h('div', { class: 'btn-row' }, moreBtn));
    });
  };
  return { region, reload };
}

/** A table cell with its column label for the stacked mobile layout. */
export const td = (label, ...content) => h('td', { 'data-label': label }, ...content);

/** A <datalist> of unit codes (the public unit list, loaded once) for code inputs: `list=id`. */
export function unitDatalist() {
  const id = uid('units');
  const el = h('datalist', { id });
  units().then((list) => list.forEach((u) => el.append(h('option', { value: u.code }, `${u.code} — ${u.name}`)))).catch(() => {});
  return { id, el };
}
