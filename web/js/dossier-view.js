// Pieces of a dossier shown to staff: applicant, e-form data, attachments, agency steps.
import { h } from './dom.js';
import { t } from './i18n.js';
import { get } from './api.js';
import { facts, card, empty, statusBadge } from './ui.js';
import { timeEl, formatBytes } from './format.js';
import { applicantRows, formDataRows } from './applicant.js';
import { representationRows } from './representation.js';
import { docFormLabel } from './upload.js';
import { unitLabel } from './levels.js';
import { paperButton } from './papers.js';

/** The procedure a dossier runs under (for field titles and document names); null if unavailable. */
export async function procedureOf(d) {
  if (!d?.procedure_code) return null;
  try {
    return await get(`/api/procedures/${encodeURIComponent(d.procedure_code)}`, {}, { auth: false });
  } catch {
    return null;
  }
}

export function summaryCard(d, extra = []) {
  return card(h('h2', {}, t('dossier.summary')), facts([
    [t('dossier.code'), d.code ? h('strong', { class: 'code', id: 'dossier-code' }, d.code) : t('dossier.noCode')],
    [t('dossier.status'), statusBadge(d.status)],
    [t('dossier.procedure'), d.procedure_name || d.procedure_code],
    [t('dossier.channel'), t(`channel.${d.channel}`, {}, d.channel == null ? '' : String(d.channel))],
    [t('dossier.submittedAt'), timeEl(d.submitted_at)],
    [t('dossier.receivedAt'), timeEl(d.received_at)],
    [t('dossier.appointmentAt'), timeEl(d.appointment_at)],
    ...extra,
  ]));
}

export function applicantCard(d) {
  return card(h('h2', {}, t('submit.applicant')), facts([...applicantRows(d.applicant), ...representationRows(d)]));
}

export function formDataCard(d, procedure) {
  const rows = formDataRows(procedure?.form_schema, d.form_data);
  return card(h('h2', {}, procedure?.form_schema?.title || t('submit.eform')), rows.length ? facts(rows) : empty(t('dossier.noFormData')));
}

/**
 * Attachments against the procedure's requirements: a checklist the desk can tick through. With
 * `base` (the caller's dossier API path) each accepted paper opens in the page's viewer.
 */
export function attachmentsCard(d, procedure, base = null) {
  const docs = procedure?.documents || [];
  const atts = d.attachments || [];
  const byDoc = (id) => atts.filter((a) => a.document_id === id);
  const row = (a) => h('li', { class: `att att-${a.state || 'pending'}` },
    base && a.state === 'accepted' ? paperButton(a, base) : h('span', {}, a.filename || a.id),
    h('span', { class: 'muted small' }, ` · ${t(`att.${a.state || 'pending'}`)}${a.size ? ` · ${formatBytes(a.size)}` : ''}`),
    a.reason && h('span', { class: 'small verdict-bad' }, ` · ${a.reason}`));
  const known = new Set(docs.map((x) => x.id));
  const other = atts.filter((a) => !known.has(a.document_id));
  return card(h('h2', {}, t('dossier.attachments')),
    docs.length ? h('ul', { class: 'checklist' }, docs.map((doc) => {
      const mine = byDoc(doc.id);
      const ok = mine.some((a) => a.state === 'accepted');
      const optional = doc.required === false;
      return h('li', { class: ok ? 'is-ok' : optional ? 'is-optional' : 'is-missing' },
        h('span', { 'aria-hidden': 'true', class: 'check-mark' }, ok ? '✓' : optional ? '–' : '○'),
        h('strong', {}, doc.name),
        h('span', { class: 'muted small' }, ` (${docFormLabel(doc.form)}${doc.required === false ? `, ${t('doc.optional')}` : ''})`),
        !ok && !optional && h('span', { class: 'sr-only' }, t('dossier.docMissing')),
        mine.length > 0 && h('ul', { class: 'plain' }, mine.map(row)));
    })) : null,
    other.length ? h('ul', { class: 'plain' }, other.map(row)) : null,
    !docs.length && !atts.length ? empty(t('submit.noAttachments')) : null);
}

export function stepsCard(d) {
  if (!d.steps?.length) return null;
  return card(h('h2', {}, t('procedure.steps')), h('ol', { class: 'steps' }, d.steps.map((s) => h('li', { class: `step-${s.state}` },
    h('strong', {}, s.name || s.step_id), ' ',
    h('span', { class: 'muted small' }, unitLabel(s.agency, s.agency_name), ` · ${t(`stepState.${s.state}`, {}, s.state || '')}`),
    s.due_at && h('div', { class: 'small' }, `${t('task.dueAt')}: `, timeEl(s.due_at), s.late ? h('span', { class: 'badge badge-late' }, t('task.late')) : null),
    s.note && h('div', { class: 'small tl-note' }, s.note)))));
}
