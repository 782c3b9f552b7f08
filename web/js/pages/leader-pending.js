// Leader: dossiers of my agency with an extension (form 04) or a stop (form 05) awaiting a decision.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty, card, statusBadge, showNotice, facts } from '../ui.js';
import { timeEl } from '../format.js';
import { me } from '../session.js';
import { unitLabel } from '../levels.js';
import { leaderDecisions } from './agency-detail.js';

export async function render(view) {
  const list = h('div', { id: 'leader-pending' });
  const refresh = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'refresh-pending' }, t('action.refresh'));
  const load = () => loadInto(list, () => get('/api/leader/pending'), (body) => {
    const { items } = listOf(body);
    if (!items.length) return replace(list, empty(t('leader.none')));
    const after = (text) => {
      showNotice(text);
      load();
    };
    return replace(list, items.map((d) => card(
      h('h2', {}, h('a', { href: `#/agency/${encodeURIComponent(d.id)}` }, d.code || d.id), ' — ', d.procedure_name || d.procedure_code || ''),
      facts([
        [t('dossier.status'), statusBadge(d.status)],
        [t('applicant.name'), d.applicant?.name || ''],
        [t('dossier.appointmentAt'), timeEl(d.appointment_at)],
      ]),
      leaderDecisions(d, after))));
  });
  refresh.addEventListener('click', load);
  const unit = me()?.unit;
  view.append(pageTitle(t('leader.title'), h('p', { class: 'muted' }, unit ? [`${t('common.unit')}: `, unitLabel(unit, me()?.unit_name)] : '', ' ', refresh)), list);
  await load();
}
