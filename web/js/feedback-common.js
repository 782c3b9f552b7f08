// Feedback (phản ánh, kiến nghị) shared pieces: labels for states, channels and categories.
import { h } from './dom.js';
import { t } from './i18n.js';

export const CATEGORIES = ['dossier', 'procedure', 'staff_conduct', 'system'];
export const STAFF_CHANNELS = ['phone', 'zalo', 'mobile_app', 'letter'];

export const stateLabel = (state) => t(`fb.state.${state}`, {}, state || '—');
export const channelLabel = (channel) => t(`fb.channel.${channel}`, {}, channel || '—');
export const categoryLabel = (category) => t(`fb.category.${category}`, {}, category || '—');

/** A badge for a feedback's state (data-state lets tests and styles find it). */
export function stateBadge(state) {
  return h('span', { class: `badge fb-state fb-state-${state}`, 'data-state': state }, stateLabel(state));
}

/** A <select> of units from the catalogue; the first option is an empty prompt. */
export function unitSelect(name, units, value = '') {
  const select = h('select', { name },
    h('option', { value: '' }, t('fb.chooseAgency')),
    units.map((u) => h('option', { value: u.code }, `${u.name || u.code} (${u.code})`)));
  if (value) select.value = value;
  return select;
}

export function categorySelect(name = 'category', value = '') {
  const select = h('select', { name }, CATEGORIES.map((c) => h('option', { value: c }, categoryLabel(c))));
  if (value) select.value = value;
  return select;
}
