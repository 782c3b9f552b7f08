// The planned-downtime banner (NĐ 224/2026 Đ13): every page shows the maintenance windows that are
// announced and not yet over, from the moment they are announced. A failure to load it is silent:
// the banner must never stand in the way of the page.
import { h, replace } from './dom.js';
import { t, getLang } from './i18n.js';
import { get } from './api.js';
import { formatDateTime } from './format.js';

let last = [];

function item(w) {
  const reason = getLang() === 'en' ? w.reason_en || w.reason : w.reason;
  const when = t('maint.when', { from: formatDateTime(w.starts_at), to: formatDateTime(w.ends_at) });
  return h('li', { class: w.in_progress ? 'maint-now' : 'maint-planned', dataset: { id: w.id } },
    h('strong', {}, w.in_progress ? t('maint.now') : t('maint.planned')), ' ', when,
    w.services ? ` (${w.services})` : '', reason ? ` — ${reason}` : '',
    w.emergency ? h('span', { class: 'badge badge-late maint-emergency' }, t('maint.emergency')) : '');
}

/** Draw the last loaded windows (again after a language change). */
export function drawMaintenance() {
  const region = document.getElementById('maintenance-banner');
  if (!region) return;
  if (!last.length) {
    replace(region);
    region.hidden = true;
    return;
  }
  region.hidden = false;
  region.setAttribute('aria-label', t('maint.label'));
  replace(region, h('ul', { class: 'maint-list' }, last.map(item)));
}

export async function loadMaintenance() {
  try {
    last = ((await get('/api/maintenance', {}, { auth: false })) || {}).items || [];
  } catch {
    last = [];
  }
  drawMaintenance();
}
