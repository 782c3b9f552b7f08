// Prefill of a new dossier's e-form: from the profile (GET /api/me) and from the citizen's most
// recent earlier dossier (GET /api/my/dossiers, then its form_data), for the keys the procedure's
// schema has. Only empty fields are filled; prefilled ones are marked "đã điền sẵn" until changed.
import { h } from './dom.js';
import { get } from './api.js';
import { ta } from './account-strings.js';

// Profile keys and the e-form names that mean the same (the demo forms use Vietnamese names).
const PROFILE_ALIASES = {
  name: ['name', 'ho_ten', 'ho_va_ten', 'ten'],
  id_number: ['id_number', 'so_giay_to', 'so_cccd', 'cccd', 'so_dinh_danh', 'so_dinh_danh_ca_nhan'],
  phone: ['phone', 'dien_thoai', 'so_dien_thoai', 'sdt'],
  email: ['email', 'thu_dien_tu'],
  address: ['address', 'dia_chi', 'noi_thuong_tru', 'dia_chi_thuong_tru', 'noi_o_hien_tai'],
};
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_LOOKS = 3; // dossier details fetched at most, newest first, to find one with form data

/** The newest earlier dossier of mine that has e-form data (its detail), or null. */
export async function latestEarlierDossier() {
  const body = await get('/api/my/dossiers');
  const items = (Array.isArray(body) ? body : body?.items || [])
    .slice()
    .sort((a, b) => String(b.created_at || '').localeCompare(String(a.created_at || '')));
  for (const item of items.slice(0, MAX_LOOKS)) {
    const d = await get(`/api/my/dossiers/${encodeURIComponent(item.id)}`);
    if (d && ((d.form_data && Object.keys(d.form_data).length) || d.applicant)) return d;
  }
  return null;
}

function fits(prop, value) {
  if (value == null || value === '' || !prop || prop.readOnly || prop.const !== undefined) return false;
  if (Array.isArray(prop.enum)) return prop.enum.includes(value);
  if (Array.isArray(prop.oneOf) && prop.oneOf.every((o) => 'const' in o)) return prop.oneOf.some((o) => o.const === value);
  if (prop.type === 'string') {
    if (typeof value !== 'string') return false;
    if (prop.format === 'date') return DATE.test(value);
    return prop.maxLength == null || value.length <= prop.maxLength;
  }
  if (prop.type === 'number') return typeof value === 'number' && Number.isFinite(value);
  if (prop.type === 'integer') return Number.isInteger(value);
  return false; // booleans (declarations are ticked by the person) and arrays are not prefilled
}

function fill(schema, current, sourceValues, source, path, out, sources) {
  const props = schema?.properties || {};
  for (const [key, prop] of Object.entries(props)) {
    const here = [...path, key];
    const mine = current?.[key];
    if (prop?.type === 'object' && prop.properties) {
      const given = sourceValues?.[key];
      if (given && typeof given === 'object' && !Array.isArray(given)) {
        out[key] = out[key] && typeof out[key] === 'object' ? out[key] : {};
        fill(prop, mine, given, source, here, out[key], sources);
        if (!Object.keys(out[key]).length) delete out[key];
      }
      continue;
    }
    if (mine != null && mine !== '') continue; // never overwrite
    const value = sourceValues?.[key];
    if (fits(prop, value)) {
      out[key] = value;
      sources[here.join('-')] = source;
    }
  }
}

function profileValues(schema, profile) {
  const props = schema?.properties || {};
  const out = {};
  for (const [field, names] of Object.entries(PROFILE_ALIASES)) {
    const value = profile?.[field];
    if (value == null || value === '') continue;
    for (const n of names) if (n in props && !(n in out)) out[n] = value;
  }
  return out;
}

/**
 * Values to prefill `schema` with, and where each came from: {values, sources: {'a-b': 'profile' |
 * 'dossier'}}. `start` holds what is already filled (kept as is). Profile first, then the earlier
 * dossier's data (`earlierData`) for what is still empty.
 */
export function prefillValues(schema, { start = {}, profile = null, earlierData = null } = {}) {
  const values = structuredClone(start || {});
  const sources = {};
  fill(schema, values, profileValues(schema, profile), 'profile', [], values, sources);
  if (earlierData) fill(schema, values, earlierData, 'dossier', [], values, sources);
  return { values, sources };
}

/** Mark the prefilled fields of a form rendered with `idPrefix`; a mark goes when the value changes. */
export function markPrefilled(root, idPrefix, sources, earlierCode = '') {
  let count = 0;
  for (const [path, source] of Object.entries(sources)) {
    const input = root.querySelector(`#${CSS.escape(`${idPrefix}-${path}`)}`);
    const label = input && root.querySelector(`label[for="${CSS.escape(input.id)}"]`);
    if (!input || !label) continue;
    const title = source === 'dossier' && earlierCode ? ta('prefill.fromDossier', { code: earlierCode }) : ta('prefill.fromProfile');
    const badge = h('span', { class: 'badge badge-prefill', title }, ta('prefill.badge'));
    label.append(' ', badge);
    input.dataset.prefilled = source;
    input.closest('.field')?.classList.add('is-prefilled');
    const initial = input.value;
    const drop = () => {
      if (input.value === initial) return;
      badge.remove();
      delete input.dataset.prefilled;
      input.closest('.field')?.classList.remove('is-prefilled');
      input.removeEventListener('input', drop);
      input.removeEventListener('change', drop);
    };
    input.addEventListener('input', drop);
    input.addEventListener('change', drop);
    count += 1;
  }
  return count;
}

/** The note above a form with prefilled fields. */
export function prefillNote() {
  return h('p', { class: 'prefill-note', role: 'note' }, ta('prefill.note'));
}
