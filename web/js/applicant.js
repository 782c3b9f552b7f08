// The applicant block (chủ hồ sơ) as a JSON Schema, so it renders and validates like the e-form.
import { t } from './i18n.js';
import { formatDate } from './format.js';
import { showNumber } from './natural.js';

export function applicantSchema() {
  return {
    type: 'object',
    required: ['name', 'id_number'],
    'x-order': ['name', 'id_number', 'address', 'phone', 'email'],
    properties: {
      name: { type: 'string', title: t('applicant.name'), minLength: 1, maxLength: 200, autocomplete: 'name' },
      id_number: { type: 'string', title: t('applicant.idNumber'), maxLength: 20, pattern: '^[0-9A-Za-z]{6,20}$', description: t('applicant.idHint') },
      address: { type: 'string', title: t('applicant.address'), maxLength: 300, format: 'textarea', autocomplete: 'street-address' },
      phone: { type: 'string', title: t('applicant.phone'), pattern: '^\\+?[0-9 .-]{8,15}$', autocomplete: 'tel', 'x-pattern-message': t('applicant.phoneBad') },
      email: { type: 'string', title: t('applicant.email'), format: 'email', maxLength: 254 },
    },
  };
}

/** Profile values that prefill the applicant block. */
export function prefillFrom(me) {
  const src = { ...(me || {}), ...(me?.profile || {}) };
  const out = {};
  for (const k of ['name', 'id_number', 'address', 'phone', 'email']) if (src[k]) out[k] = src[k];
  return out;
}

/** Applicant values as the API wants them (empty optional fields left out, email null). */
export function applicantPayload(values) {
  return {
    name: values.name || '',
    id_number: values.id_number || '',
    address: values.address || '',
    phone: values.phone || '',
    email: values.email || null,
  };
}

/** [[label, value]] rows for a summary. */
export function applicantRows(a) {
  if (!a) return [];
  return [
    [t('applicant.name'), a.name],
    [t('applicant.idNumber'), a.id_number],
    [t('applicant.address'), a.address],
    [t('applicant.phone'), a.phone],
    [t('applicant.email'), a.email],
  ];
}

function shownValue(p, v) {
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
  const names = p.enumNames || p['x-enumNames'];
  if (Array.isArray(p.enum) && names) {
    const i = p.enum.indexOf(v);
    return i >= 0 ? names[i] : String(v);
  }
  if (Array.isArray(p.oneOf)) return p.oneOf.find((o) => o.const === v)?.title ?? String(v);
  if (typeof v === 'number') return showNumber(p, v);
  if (p.format === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(String(v))) return formatDate(v);
  return String(v);
}

function flatten(schema, data, prefix, rows) {
  const props = schema?.properties || {};
  const order = schema?.['x-order'] || Object.keys(props);
  const keys = [...order, ...Object.keys(data || {}).filter((k) => !order.includes(k))];
  for (const k of keys) {
    const v = data?.[k];
    if (v === undefined || v === null || v === '') continue;
    const p = props[k] || {};
    const label = [prefix, p.title || k].filter(Boolean).join(' › ');
    if (Array.isArray(v)) {
      const item = p.items || {};
      if (v.every((x) => typeof x !== 'object' || x === null)) rows.push([label, v.map((x) => shownValue(item, x)).join('; ')]);
      else v.forEach((x, i) => flatten(item, x, `${label} ${i + 1}`, rows));
    } else if (typeof v === 'object') flatten(p, v, label, rows);
    else rows.push([label, shownValue(p, v)]);
  }
  return rows;
}

/** [[title, shown value]] for e-form data, in the schema's order, with its titles and enum names. */
export function formDataRows(schema, data) {
  return flatten(schema, data, '', []);
}
