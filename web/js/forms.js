// Forms from JSON Schema (the procedure's e-form), with inline validation messages.
// Supported: string / number / integer / boolean; enum (+ enumNames, or oneOf [{const, title}]);
// format date / email; title, description, default, required, pattern, minLength / maxLength,
// minimum / maximum / exclusiveMinimum / exclusiveMaximum, const true (a box that must be ticked);
// nested objects (a fieldset); arrays of enums (checkboxes) and of objects or scalars (add/remove rows).
// Numbers and dates are text typed the Vietnamese way (natural.js): "500.000.000", "12/05/1990".
import { h, uid } from './dom.js';
import { getLang, t } from './i18n.js';
import { naturalInput, naturalHint, readNatural, normaliseText, numberInput, parseNumber, numberProblem, showNumber } from './natural.js';

// The province office's words for a field, in the reader's language: `description` and
// `x-pattern-message` are Vietnamese, their `x-...-en` twins English.
const inLang = (prop, vi, en) => (getLang() === 'en' && prop[en]) || prop[vi] || '';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const isNumeric = (prop) => prop.type === 'number' || prop.type === 'integer';
// an amount: the unit in the title, "Vốn đầu tư (đồng)", or x-unit "VND"
const isMoney = (prop) => isNumeric(prop) && (/\((?:đồng|vnđ|vnd)\)/i.test(prop.title || '') || /^(?:vnd|vnđ|đồng)$/i.test(prop['x-unit'] || ''));

/*
 * A message that appears or goes while a pointer is pressed would move what is under it before the
 * click lands: pressing on a box below an invalid field blurs the field, its message shows, the box
 * moves down and the release hits something else. So message changes wait for the press to end
 * and its click to be dispatched (a keyboard user, with no press, sees them at once).
 */
let pressed = false;
const waiting = new Set();
function release() {
  pressed = false;
  const run = [...waiting];
  waiting.clear();
  run.forEach((fn) => fn());
}
if (typeof document !== 'undefined') {
  document.addEventListener('pointerdown', () => { pressed = true; }, true);
  for (const type of ['pointerup', 'pointercancel', 'dragend']) document.addEventListener(type, () => setTimeout(release, 0), true);
  document.addEventListener('keydown', () => { if (pressed) release(); }, true);
}

/** Run `fn` now, or once the pointer press in progress is over (see above). */
export function afterPress(fn) {
  if (pressed) waiting.add(fn);
  else fn();
}

function enumOptions(prop) {
  if (Array.isArray(prop?.enum)) {
    const names = prop.enumNames || prop['x-enumNames'] || [];
    return prop.enum.map((v, i) => ({ value: v, label: names[i] ?? String(v) }));
  }
  if (Array.isArray(prop?.oneOf) && prop.oneOf.every((o) => 'const' in o)) {
    return prop.oneOf.map((o) => ({ value: o.const, label: o.title ?? String(o.const) }));
  }
  return null;
}

/** A labelled control with a hint and an error slot. Returns {wrap, input, error, label}. */
export function labelled(labelText, input, { required = false, hint = '', id = uid('f') } = {}) {
  input.id = id;
  const errorId = `${id}-err`;
  const hintId = hint ? `${id}-hint` : null;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  if (required) input.setAttribute('aria-required', 'true');
  const isCheck = input.type === 'checkbox';
  const label = h('label', { for: id },
    labelText,
    required && h('span', { class: 'req', 'aria-hidden': 'true' }, ' *'),
    required && h('span', { class: 'sr-only' }, ` (${t('form.required')})`));
  const wrap = h('div', { class: isCheck ? 'field field-check' : 'field' },
    isCheck ? [input, label] : [label, input],
    hint && h('p', { class: 'field-hint', id: hintId }, hint),
    error);
  return { wrap, input, error, label: labelText };
}

/** Show (or clear, with '') the message of a field made by labelled(). */
export function setFieldError(field, message) {
  field.error.textContent = message || '';
  field.error.hidden = !message;
  if (message) field.input.setAttribute('aria-invalid', 'true');
  else field.input.removeAttribute('aria-invalid');
  field.wrap.classList.toggle('has-error', Boolean(message));
}

function scalarControl(name, prop, value) {
  const options = enumOptions(prop);
  if (options) {
    const select = h('select', { name },
      h('option', { value: '' }, t('form.choose')),
      options.map((o) => h('option', { value: String(o.value) }, o.label)));
    if (value != null) select.value = String(value);
    return select;
  }
  if (prop.type === 'boolean') {
    const box = h('input', { type: 'checkbox', name });
    box.checked = value === true;
    return box;
  }
  const attrs = { name };
  if (prop.format === 'date' && !isNumeric(prop)) return naturalInput('date', { name, autocomplete: prop.autocomplete }, value ?? '');
  if (isNumeric(prop)) return numberInput({ integer: prop.type === 'integer', prop }, { name, autocomplete: prop.autocomplete }, value);
  if (prop.format === 'email') Object.assign(attrs, { type: 'email', autocomplete: 'email' });
  else if (prop.format === 'textarea' || (prop.maxLength || 0) > 200) {
    const area = h('textarea', { name, rows: 3, maxlength: prop.maxLength });
    if (value != null) area.value = String(value);
    return area;
  } else Object.assign(attrs, { type: 'text', maxlength: prop.maxLength });
  if (prop.autocomplete) attrs.autocomplete = prop.autocomplete;
  const input = h('input', attrs);
  if (value != null) input.value = String(value);
  return input;
}

/** Validate one scalar value against its schema. Returns a message or ''. */
export function validateValue(prop, raw, required, label) {
  const f = { field: label };
  if (prop.type === 'boolean') return prop.const === true && raw !== true ? t('form.mustTick', f) : '';
  const text = raw == null ? '' : String(raw).trim();
  if (text === '') {
    if (!required) return '';
    return enumOptions(prop) ? t('form.requiredChoose', f) : t('form.requiredEnter', f);
  }
  const options = enumOptions(prop);
  if (options) return options.some((o) => String(o.value) === text) ? '' : t('form.badChoice', f);
  if (isNumeric(prop)) {
    const r = typeof raw === 'number' ? { ok: true, value: raw } : parseNumber(text, { integer: prop.type === 'integer' });
    if (!r.ok) return numberProblem(r, label, text);
    const n = r.value;
    const shown = (x) => showNumber(prop, x);
    if (prop.type === 'integer' && !Number.isInteger(n)) return t('form.notInteger', f);
    if (prop.minimum != null && n < prop.minimum) return t('form.min', { ...f, n: shown(prop.minimum) });
    if (prop.maximum != null && n > prop.maximum) return t('form.max', { ...f, n: shown(prop.maximum) });
    if (prop.exclusiveMinimum != null && n <= prop.exclusiveMinimum) return t('form.gt', { ...f, n: shown(prop.exclusiveMinimum) });
    if (prop.exclusiveMaximum != null && n >= prop.exclusiveMaximum) return t('form.lt', { ...f, n: shown(prop.exclusiveMaximum) });
    return '';
  }
  if (prop.minLength != null && text.length < prop.minLength) return t('form.minLength', { ...f, n: prop.minLength });
  if (prop.maxLength != null && text.length > prop.maxLength) return t('form.maxLength', { ...f, n: prop.maxLength });
  if (prop.format === 'email' && !EMAIL.test(text)) return inLang(prop, 'x-pattern-message', 'x-pattern-message-en') || t('form.email', f);
  if (prop.format === 'date') {
    const problem = readNatural('date', text, label).problem;
    if (problem) return problem;
  }
  if (prop.pattern) {
    let re = null;
    try {
      re = new RegExp(prop.pattern, 'u');
    } catch {
      re = null;
    }
    if (re && !re.test(text)) return inLang(prop, 'x-pattern-message', 'x-pattern-message-en') || t('form.pattern', f);
  }
  return '';
}

function readScalar(prop, input) {
  if (prop.type === 'boolean') return input.checked;
  const text = input.value.trim();
  if (text === '') return undefined;
  const options = enumOptions(prop);
  if (options) return options.find((o) => String(o.value) === text)?.value ?? text;
  if (isNumeric(prop)) {
    const r = parseNumber(text, { integer: prop.type === 'integer' });
    return r.ok ? r.value : text;
  }
  if (prop.format === 'date') return readNatural('date', text, '').value || text;
  return prop['x-normalize'] ? normaliseText(prop['x-normalize'], text) : text.normalize('NFC');
}

/** The hint under a field: its description, and how to write a date or an amount. */
function hintOf(prop) {
  const how = prop.format === 'date' && !isNumeric(prop) ? naturalHint('date') : isMoney(prop) ? t('form.moneyHint') : '';
  return [inLang(prop, 'description', 'x-description-en'), how].filter(Boolean).join(' ');
}

const isEmpty = (v) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

/*
 * Every node of the form is {element, read(), check(), clear(), setError(parts, msg)}:
 * read() gives the typed value (undefined when empty); check() shows messages and returns the first
 * control to focus, or null when valid.
 */
function scalarNode(name, prop, { required, value, id }) {
  const label = prop.title || name;
  const input = scalarControl(name, prop, value);
  const field = labelled(label, input, { required, hint: hintOf(prop), id });
  let touched = false;
  const message = () => validateValue(prop, readScalar(prop, input), required, label);
  const show = () => afterPress(() => setFieldError(field, message()));
  input.addEventListener('blur', () => { touched = true; show(); });
  input.addEventListener('input', () => { if (touched) show(); });
  input.addEventListener('change', () => { touched = true; show(); });
  return {
    element: field.wrap,
    read: () => readScalar(prop, input),
    check() { const m = message(); setFieldError(field, m); return m ? input : null; },
    clear() { setFieldError(field, ''); },
    setError(parts, msg) { setFieldError(field, msg); input.focus(); return parts.length === 0; },
  };
}

function groupError(id) {
  return h('p', { class: 'field-error', id, hidden: true });
}

function showGroupError(el, msg) {
  el.textContent = msg || '';
  el.hidden = !msg;
}

function objectNode(name, schema, { required, value = {}, id, root = false }) {
  const props = schema.properties || {};
  const req = new Set(schema.required || []);
  const order = schema['x-order'] || Object.keys(props);
  const children = {};
  const body = h('div', { class: 'schema-group' });
  for (const key of order) {
    const prop = props[key];
    if (!prop || prop.readOnly) continue;
    children[key] = node(key, prop, { required: req.has(key), value: value?.[key], id: `${id}-${key}` });
    body.append(children[key].element);
  }
  const element = root ? body : h('fieldset', { class: 'subgroup', id },
    h('legend', {}, schema.title || name, required && h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
    schema.description && h('p', { class: 'field-hint' }, schema.description),
    body);
  const read = () => {
    const out = {};
    for (const [k, n] of Object.entries(children)) {
      const v = n.read();
      if (v !== undefined) out[k] = v;
    }
    const meaningful = Object.entries(out).some(([k, v]) => !(props[k]?.type === 'boolean' && v === false));
    return root || required || meaningful ? out : undefined;
  };
  return {
    element,
    children,
    read,
    check() {
      if (!root && !required && read() === undefined) {
        Object.values(children).forEach((n) => n.clear());
        return null;
      }
      let first = null;
      for (const n of Object.values(children)) { const bad = n.check(); if (bad && !first) first = bad; }
      return first;
    },
    clear() { Object.values(children).forEach((n) => n.clear()); },
    setError(parts, msg) {
      const [head, ...rest] = parts;
      return children[head] ? children[head].setError(rest, msg) : false;
    },
  };
}

function checkboxArrayNode(name, prop, { required, value = [], id }) {
  const options = enumOptions(prop.items);
  const label = prop.title || name;
  const errId = `${id}-err`;
  const boxes = options.map((o, i) => {
    const boxId = `${id}-${i}`;
    const box = h('input', { type: 'checkbox', id: boxId, name, value: String(o.value) });
    box.checked = Array.isArray(value) && value.includes(o.value);
    return { box, o, wrap: h('div', { class: 'field-check' }, box, h('label', { for: boxId }, o.label)) };
  });
  const error = groupError(errId);
  const element = h('fieldset', { class: 'subgroup', id, 'aria-describedby': errId },
    h('legend', {}, label, required && h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
    boxes.map((b) => b.wrap), error);
  const read = () => {
    const v = boxes.filter((b) => b.box.checked).map((b) => b.o.value);
    return v.length || required ? v : undefined;
  };
  const message = () => {
    const n = (read() || []).length;
    const min = prop.minItems || 0;
    if (n < min) return t('form.minItems', { field: label, n: min });
    if (prop.maxItems != null && n > prop.maxItems) return t('form.maxItems', { field: label, n: prop.maxItems });
    return '';
  };
  return {
    element,
    read,
    check() { const m = message(); showGroupError(error, m); return m ? boxes[0]?.box : null; },
    clear() { showGroupError(error, ''); },
    setError(parts, msg) { showGroupError(error, msg); boxes[0]?.box.focus(); return true; },
  };
}

function listNode(name, prop, { required, value, id }) {
  const itemSchema = prop.items || { type: 'string' };
  const label = prop.title || name;
  const itemTitle = itemSchema.title || label;
  const errId = `${id}-err`;
  const rows = [];
  const list = h('div', { class: 'repeat-list' });
  const error = groupError(errId);
  const add = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, `+ ${t('form.addItem', { item: itemTitle })}`);
  const element = h('fieldset', { class: 'subgroup repeat', id, 'aria-describedby': errId },
    h('legend', {}, label, required && h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
    prop.description && h('p', { class: 'field-hint' }, prop.description),
    list, error, h('div', { class: 'form-actions' }, add));

  function renumber() {
    rows.forEach((r, i) => {
      r.title.textContent = `${itemTitle} ${i + 1}`;
      r.remove.setAttribute('aria-label', t('form.removeItem', { item: `${itemTitle} ${i + 1}` }));
    });
  }
  function addRow(v, focus = false) {
    const rowId = uid(id);
    const child = itemSchema.type === 'object'
      ? objectNode('', { ...itemSchema, title: '' }, { required: true, value: v || {}, id: rowId, root: true })
      : scalarNode(name, { ...itemSchema, title: itemSchema.title || label }, { required: true, value: v, id: rowId });
    const title = h('h4', { class: 'repeat-title' });
    const remove = h('button', { type: 'button', class: 'btn btn-small btn-danger-outline' }, t('form.remove'));
    const row = { child, title, remove, el: h('div', { class: 'repeat-item' }, h('div', { class: 'repeat-head' }, title, remove), child.element) };
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1);
      row.el.remove();
      renumber();
      add.focus();
    });
    rows.push(row);
    list.append(row.el);
    renumber();
    if (focus) row.el.querySelector('input, select, textarea')?.focus();
  }
  add.addEventListener('click', () => addRow(undefined, true));
  const initial = Array.isArray(value) && value.length ? value : [];
  initial.forEach((v) => addRow(v));
  for (let i = rows.length; i < Math.max(prop.minItems || 0, required ? 1 : 0); i += 1) addRow();

  const read = () => {
    const v = rows.map((r) => r.child.read()).filter((x) => !isEmpty(x));
    return v.length || required ? v : undefined;
  };
  return {
    element,
    read,
    check() {
      let first = null;
      for (const r of rows) { const bad = r.child.check(); if (bad && !first) first = bad; }
      const min = prop.minItems || 0;
      const m = rows.length < min ? t('form.minItems', { field: label, n: min }) : '';
      showGroupError(error, m);
      return first || (m ? add : null);
    },
    clear() { rows.forEach((r) => r.child.clear()); showGroupError(error, ''); },
    setError(parts, msg) {
      const [head, ...rest] = parts;
      const row = rows[Number(head)];
      if (row) return row.child.setError(rest, msg);
      showGroupError(error, msg);
      add.focus();
      return true;
    },
  };
}

function node(name, prop, opts) {
  if (prop.type === 'object' && prop.properties) return objectNode(name, prop, opts);
  if (prop.type === 'array' && enumOptions(prop.items)) return checkboxArrayNode(name, prop, opts);
  if (prop.type === 'array') return listNode(name, prop, opts);
  return scalarNode(name, prop, opts);
}

/**
 * Render a JSON Schema object as a form. Returns {element, validate(), values(), setError(path, msg)}.
 * validate() shows every message, focuses the first bad control and returns the typed values, or null.
 * setError('form_data.a.0.b', msg) puts a server message next to that field.
 */
export function schemaForm(schema, { values = {}, idPrefix = 'f' } = {}) {
  const root = objectNode('', schema?.type === 'object' && schema.properties ? schema : { type: 'object', properties: {} },
    { required: true, value: values, id: idPrefix, root: true });
  root.element.classList.add('schema-form');
  return {
    element: root.element,
    isEmpty: Object.keys(root.children).length === 0,
    values: () => root.read(),
    validate() {
      const bad = root.check();
      if (bad) {
        bad.focus();
        return null;
      }
      return root.read();
    },
    setError(path, message) {
      const parts = String(path || '').split(/[./]/).filter(Boolean);
      if (['form_data', 'applicant'].includes(parts[0])) parts.shift();
      return parts.length ? root.setError(parts, message) : false;
    },
  };
}
