// Leader: dossiers of my agency with an extension (form 04) or a stop (form 05) awaiting a decision;
// paged with the server's cursor.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, listOf } from '../api.js';
import { pageTitle, loadInto, empty, card, statusBadge, showNotice, facts, busy } from '../ui.js';
import { timeEl } from '../format.js';
import { me } from '../session.js';
import { unitLabel } from '../levels.js';
import { leaderDecisions } from './agency-detail.js';

export async function render(view) {
  const list = h('div', { id: 'leader-pending' });
  const refresh = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'refresh-pending' }, t('action.refresh'));
  const PAGE = 20;
  const load = () => loadInto(list, () => get('/api/leader/pending', { limit: PAGE }), (body) => {
    const { items, next } = listOf(body);
    if (!items.length) return replace(list, empty(t('leader.none')));
    const after = (text) => {
      showNotice(text);
      load();
    };
    let cursor = next;
    const more = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'pending-more', hidden: !cursor }, t('dash.more'));
    const cards = h('div');
    more.addEventListener('click', () => busy(more, async () => {
      const page = listOf(await get('/api/leader/pending', { limit: PAGE, cursor }));
      cards.append(...page.items.map(pendingCard));
      cursor = page.next;
      more.hidden = !cursor;
    }));
    const pendingCard = (d) => card(
      h('h2', {}, h('a', { href: `#/agency/${encodeURIComponent(d.id)}` }, d.code || d.id), ' — ', d.procedure_name || d.procedure_code || ''),
      facts([
        [t('dossier.status'), statusBadge(d.status)],
        [t('applicant.name'), d.applicant?.name || ''],
        [t('dossier.appointmentAt'), timeEl(d.appointment_at)],
      ]),
      leaderDecisions(d, after));
    cards.append(...items.map(pendingCard));
    return replace(list, cards, h('div', { class: 'btn-row' }, more));
  });
  refresh.addEventListener('click', load);
  const unit = me()?.unit;
  view.append(pageTitle(t('leader.title'), h('p', { class: 'muted' }, unit ? [`${t('common.unit')}: `, unitLabel(unit, me()?.unit_name)] : '', ' ', refresh)), list);
  await load();
}
