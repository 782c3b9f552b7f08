// Service levels and units: labels and a cached code -> name map.
import { h } from './dom.js';
import { t } from './i18n.js';
import { get, listOf } from './api.js';

export const LEVELS = ['full_online', 'partial_online', 'not_online'];

export const levelLabel = (level) => t(`level.${level}`, {}, level || '—');

export function levelBadge(level) {
  return h('span', { class: `badge level-${level}` }, levelLabel(level));
}

let unitsPromise = null;
/** Every unit of the province (loaded once per page load). */
export function units() {
  if (!unitsPromise) {
    unitsPromise = get('/api/units', {}, { auth: false })
      .then((body) => listOf(body).items)
      .catch((err) => { unitsPromise = null; throw err; });
  }
  return unitsPromise;
}

/** code -> name for every unit (empty when the catalogue cannot be read). */
export async function unitNames() {
  try {
    return new Map((await units()).map((u) => [u.code, u.name]));
  } catch {
    return new Map();
  }
}

/**
 * The one-stop desk nearest the lead agency in the unit tree: the desk whose code shares the most
 * dot-separated segments with the agency's code; ties go to the higher-level (shorter) code.
 */
export function nearestDesk(desks, agency) {
  const segs = (code) => String(code || '').split('.');
  const shared = (a, b) => {
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n += 1;
    return n;
  };
  const target = segs(agency);
  return [...desks].sort((x, y) => (shared(segs(y.code), target) - shared(segs(x.code), target))
    || (segs(x.code).length - segs(y.code).length) || x.code.localeCompare(y.code))[0] || null;
}

/** A unit's display name: the API's *_name field if present, else the catalogue's, else the code. */
export async function unitName(code, given) {
  if (given) return given;
  if (!code) return '—';
  const names = await unitNames();
  return names.get(code) || code;
}

/** A span showing a unit's name (filled in once the catalogue answers; the code until then). */
export function unitLabel(code, given) {
  const el = h('span', { 'data-unit': code || '' }, given || code || '');
  if (!given && code) unitName(code).then((name) => { el.textContent = name; });
  return el;
}
