// One dossier I follow as a party of its representation (issue 20), read-only: status,
// appointment, what happens next, the parties, the papers' checklist and the history. Withdrawing,
// supplementing, paying and the papers themselves stay on the owner's page (`#/my/:id`).
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pageTitle, loadInto, statusBadge, statusLabel, facts, card } from '../ui.js';
import { timeEl } from '../format.js';
import { timeline } from '../timeline.js';
import { me } from '../session.js';
import { applicantCard, attachmentsCard } from '../dossier-view.js';
import { appointmentRows, lifecycleCard } from '../lifecycle.js';

export async function render(view, { params }) {
  const body = h('div');
  view.append(body);
  const id = encodeURIComponent(params.id);
  await loadInto(body, () => get(`/api/my/followed-dossiers/${id}`), (d) => {
    const mine = Boolean(d.owner) && d.owner === me()?.sub;
    const next = d.status?.code ? t(`my.next.${d.status.code}`, {}, '') : '';
    replace(body,
      h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') }, h('a', { href: '#/my/followed' }, t('followed.title')), ' / ', d.code || statusLabel(d.status)),
      pageTitle(d.procedure_name || d.procedure_code || t('dossier.title'), h('p', { class: 'result-meta' }, statusBadge(d.status))),
      h('p', { class: 'notice-box', id: 'followed-readonly' }, mine
        ? h('span', {}, t('followed.ownerHint'), ' ', h('a', { href: `#/my/${id}` }, t('followed.ownerLink')))
        : t('followed.readOnly')),
      next && h('p', { class: 'notice-box' }, next),
      d.refusal_reason && h('p', { class: 'notice-box warn' }, `${t('dossier.refusalReason')}: ${d.refusal_reason}`),
      card(h('h2', {}, t('dossier.summary')), facts([
        [t('dossier.code'), d.code ? h('strong', { class: 'code' }, d.code) : t('dossier.noCode')],
        [t('dossier.status'), statusBadge(d.status)],
        [t('dossier.submittedAt'), timeEl(d.submitted_at)],
        [t('dossier.receivedAt'), timeEl(d.received_at)],
        ...appointmentRows(d),
      ])),
      lifecycleCard(d),
      applicantCard(d),
      (d.attachments || []).length ? attachmentsCard(d, { documents: d.documents }) : null,
      card(h('h2', {}, t('dossier.history')), timeline(d.history)));
  });
}
