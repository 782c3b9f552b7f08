// Procedure page: documents, fees, processing time, level, lead agency, and the online-submit button.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pageTitle, loadInto, facts, card, empty } from '../ui.js';
import { levelBadge, unitLabel } from '../levels.js';
import { formatMoney, formatDuration, formatBytes } from '../format.js';
import { docFormLabel, typeNames, DEFAULT_TYPES, DEFAULT_MAX } from '../upload.js';
import { getSession } from '../session.js';

function documentsTable(docs) {
  if (!docs?.length) return empty(t('procedure.noDocuments'));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'documents' },
    h('caption', { class: 'sr-only' }, t('procedure.documents')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('doc.name')),
      h('th', { scope: 'col' }, t('doc.form')),
      h('th', { scope: 'col', class: 'num' }, t('doc.countCol')),
      h('th', { scope: 'col' }, t('doc.required')))),
    h('tbody', {}, docs.map((d) => h('tr', {},
      h('td', { class: 'td-main', 'data-label': t('doc.name') }, h('strong', { class: 'doc-name' }, d.name), h('div', { class: 'small muted' },
        t('upload.limits', { types: typeNames(d.accepted_types?.length ? d.accepted_types : DEFAULT_TYPES), max: formatBytes(d.max_bytes || DEFAULT_MAX) }))),
      h('td', { 'data-label': t('doc.form') }, docFormLabel(d.form)),
      h('td', { class: 'num', 'data-label': t('doc.countCol') }, String(d.count || 1)),
      h('td', { 'data-label': t('doc.required') }, d.required === false ? t('doc.optional') : h('strong', {}, t('doc.mandatory'))))))));
}

function feesList(fees) {
  if (!fees?.length) return t('fee.none');
  return h('ul', { class: 'plain' }, fees.map((f) => h('li', {}, `${f.name}: ${formatMoney(f.amount_vnd)}`)));
}

export async function render(view, { params }) {
  const body = h('div');
  view.append(body);
  await loadInto(body, () => get(`/api/procedures/${encodeURIComponent(params.code)}`, {}, { auth: false }), (p) => {
    const online = p.level && p.level !== 'not_online';
    const agency = unitLabel(p.lead_agency, p.lead_agency_name);
    const submitHref = `#/submit/${encodeURIComponent(p.code)}`;
    const signedIn = getSession();
    const action = online
      ? h('div', { class: 'cta' },
        h('a', { href: submitHref, class: 'btn btn-primary btn-large', id: 'submit-online' }, t('procedure.submitOnline')),
        !signedIn && h('p', { class: 'small muted' }, t('procedure.signinFirst')))
      : h('p', { class: 'notice-box' }, t('procedure.notOnline'));
    replace(body,
      h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') }, h('a', { href: '#/' }, t('nav.home')), ' / ', p.code),
      pageTitle(p.name, h('p', { class: 'result-meta' }, levelBadge(p.level), p.sample && h('span', { class: 'badge badge-draft' }, t('procedure.sample')))),
      action,
      h('p', { class: 'procedure-faq' }, h('a', { href: `#/faq?procedure=${encodeURIComponent(p.code)}`, id: 'procedure-faq' }, t('procedure.faq'))),
      card(h('h2', {}, t('procedure.summary')), facts([
        [t('procedure.code'), p.code],
        [t('home.field'), p.field],
        [t('home.level'), levelBadge(p.level)],
        [t('procedure.leadAgency'), agency],
        [t('procedure.processingTime'), formatDuration(p.processing_time)],
        [t('procedure.fees'), feesList(p.fees)],
        p.result_delivery?.length && [t('procedure.resultDelivery'), p.result_delivery.map((d) => t(`delivery.${d}`, {}, d)).join(', ')],
        p.version && [t('procedure.version'), String(p.version)],
      ])),
      card(h('h2', {}, t('procedure.documents')), documentsTable(p.documents)),
      p.steps?.length && card(h('h2', {}, t('procedure.steps')), h('ol', { class: 'steps' },
        p.steps.map((s) => h('li', {}, s.name, s.allowance && h('span', { class: 'muted' }, ` — ${formatDuration(s.allowance)}`))))),
      online && h('div', { class: 'cta cta-bottom' }, h('a', { href: submitHref, class: 'btn btn-primary' }, t('procedure.submitOnline'))));
  });
}
