// Staff: the feedback queue of my unit (the province office and administrators: every unit), soonest
// due first, with the handling steps: accept or refuse, ask for more, answer, publish; routing.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, listOf } from '../api.js';
import { pageTitle, loadInto, card, empty, busy, showNotice, moreButton } from '../ui.js';
import { labelled } from '../forms.js';
import { timeEl } from '../format.js';
import { role, me } from '../session.js';
import { units, unitLabel } from '../levels.js';
import { stateBadge, channelLabel, categoryLabel, unitSelect, categorySelect, STAFF_CHANNELS } from '../feedback-common.js';

export async function render(view) {
  let unitList = [];
  try {
    unitList = await units();
  } catch {
    unitList = [];
  }
  const list = h('div', { id: 'staff-feedback' });
  const refresh = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, t('action.refresh'));
  // One page at a time (server cursor), filtered on the server by code or subject.
  const PAGE = 50;
  const search = h('input', { type: 'search', id: 'fb-q', 'aria-label': t('list.filter'), placeholder: t('list.filter') });
  const filter = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); load(); } }, search, h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('action.search')));
  const load = () => loadInto(list, () => get('/api/staff/feedback', { q: search.value.trim(), limit: PAGE }), (body) => {
    const { items, next } = listOf(body);
    if (!items.length) return replace(list, empty(t('fb.queueEmpty')));
    const rows = h('div', {}, items.map((fb) => item(fb, unitList, load)));
    const q = search.value.trim();
    const more = moreButton({
      id: 'fb-more',
      next,
      fetchPage: (cursor) => get('/api/staff/feedback', { q, limit: PAGE, cursor }),
      append: (page) => rows.append(...page.map((fb) => item(fb, unitList, load))),
    });
    return replace(list, rows, h('div', { class: 'btn-row' }, more));
  });
  refresh.addEventListener('click', load);
  view.append(pageTitle(t('fb.queueTitle'), h('p', {}, refresh)), entryCard(unitList, load), filter, list);
  await load();
}

function textAction(fb, action, fieldName, labelKey, buttonKey, reload, rows = 3) {
  const field = labelled(t(labelKey), h('textarea', { name: fieldName, rows }), { required: true });
  const send = h('button', { type: 'submit', class: 'btn btn-small', 'data-action': action }, t(buttonKey));
  const form = h('form', { class: 'form', novalidate: true }, field.wrap, h('div', { class: 'form-actions' }, send));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = await busy(send, () => post(`/api/staff/feedback/${encodeURIComponent(fb.id)}/${action}`, { [fieldName]: field.input.value.trim() }));
    if (ok) {
      showNotice(t('fb.done'));
      reload();
    }
  });
  return form;
}

function plainAction(fb, action, buttonKey, reload) {
  const button = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-action': action }, t(buttonKey));
  button.addEventListener('click', async () => {
    if (await busy(button, () => post(`/api/staff/feedback/${encodeURIComponent(fb.id)}/${action}`, {}))) {
      showNotice(t('fb.done'));
      reload();
    }
  });
  return button;
}

function routeForm(fb, unitList, reload) {
  const agency = labelled(t('fb.routeTo'), unitSelect('agency', unitList));
  const category = labelled(t('fb.category'), categorySelect('category', fb.category));
  const send = h('button', { type: 'submit', class: 'btn btn-small', 'data-action': 'route' }, t('fb.route'));
  const form = h('form', { class: 'form', novalidate: true }, agency.wrap, category.wrap, h('div', { class: 'form-actions' }, send));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ok = await busy(send, () => post(`/api/staff/feedback/${encodeURIComponent(fb.id)}/route`, { agency: agency.input.value, category: category.input.value }));
    if (ok) {
      showNotice(t('fb.done'));
      reload();
    }
  });
  return form;
}

function item(fb, unitList, reload) {
  const r = role();
  const handles = r !== 'province' || fb.agency === me()?.unit;
  const actions = [];
  if (handles && fb.state === 'received') {
    actions.push(plainAction(fb, 'accept', 'fb.accept', reload));
    actions.push(textAction(fb, 'refuse', 'reason', 'fb.refuseReason', 'fb.refuse', reload, 2));
  }
  if (handles && (fb.state === 'accepted' || fb.state === 'info_provided')) {
    actions.push(textAction(fb, 'answer', 'answer', 'fb.answerText', 'fb.sendAnswer', reload, 5));
    if (fb.state === 'accepted') actions.push(textAction(fb, 'request-info', 'question', 'fb.question', 'fb.askInfo', reload, 2));
  }
  if (handles && fb.state === 'answered' && fb.publish_consent) actions.push(plainAction(fb, 'publish', 'fb.publish', reload));
  if ((r === 'province' || r === 'admin') && ['received', 'accepted', 'more_info_requested', 'info_provided'].includes(fb.state)) {
    actions.push(routeForm(fb, unitList, reload));
  }
  return h('section', { class: `card fb-item${fb.late ? ' is-late' : ''}`, 'data-code': fb.code },
    h('h2', {}, h('span', { class: 'code' }, fb.code), ' ', stateBadge(fb.state), fb.late && h('span', { class: 'badge badge-late' }, t('task.late'))),
    h('p', {}, h('strong', {}, fb.subject)),
    h('p', {}, fb.content),
    h('p', { class: 'muted' }, channelLabel(fb.channel), ' · ', categoryLabel(fb.category), ' · ', unitLabel(fb.agency),
      fb.dossier_code ? ` · ${fb.dossier_code}` : '', fb.due_at ? [' · ', t('fb.dueAt'), ': ', timeEl(fb.due_at)] : ''),
    (fb.sender_name || fb.contact) && h('p', { class: 'muted' }, [fb.sender_name, fb.contact].filter(Boolean).join(' · ')),
    fb.info_reply && h('p', {}, h('em', {}, t('fb.infoReply'), ': '), fb.info_reply),
    fb.answer && h('p', { class: 'fb-answer' }, h('em', {}, t('fb.answer'), ': '), fb.answer),
    actions);
}

/** Feedback received by phone, Zalo, the mobile app or letter, entered by staff. */
function entryCard(unitList, reload) {
  const channel = labelled(t('fb.channel'), h('select', { name: 'channel' }, STAFF_CHANNELS.map((c) => h('option', { value: c }, channelLabel(c)))));
  const subject = labelled(t('fb.subject'), h('input', { type: 'text', name: 'subject', maxlength: 200 }), { required: true });
  const content = labelled(t('fb.content'), h('textarea', { name: 'content', rows: 4 }), { required: true });
  const category = labelled(t('fb.category'), categorySelect());
  const dossierCode = labelled(t('fb.dossierCode'), h('input', { type: 'text', name: 'dossier_code' }));
  const agency = labelled(t('fb.agency'), unitSelect('agency', unitList));
  const name = labelled(t('fb.name'), h('input', { type: 'text', name: 'name' }));
  const contact = labelled(t('fb.contact'), h('input', { type: 'text', name: 'contact' }));
  const consent = labelled(t('fb.consent'), h('input', { type: 'checkbox', name: 'publish_consent' }));
  const send = h('button', { type: 'submit', class: 'btn btn-primary' }, t('fb.record'));
  const form = h('form', { class: 'form', novalidate: true, id: 'staff-feedback-entry' },
    channel.wrap, subject.wrap, content.wrap, category.wrap, dossierCode.wrap, agency.wrap, name.wrap, contact.wrap, consent.wrap,
    h('div', { class: 'form-actions' }, send));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      channel: channel.input.value,
      subject: subject.input.value.trim(),
      content: content.input.value.trim(),
      category: category.input.value,
      publish_consent: consent.input.checked,
    };
    if (dossierCode.input.value.trim()) body.dossier_code = dossierCode.input.value.trim();
    else if (agency.input.value) body.agency = agency.input.value;
    if (name.input.value.trim()) body.name = name.input.value.trim();
    if (contact.input.value.trim()) body.contact = contact.input.value.trim();
    const fb = await busy(send, () => post('/api/staff/feedback', body));
    if (fb) {
      form.reset();
      showNotice(t('fb.recorded', { code: fb.code }));
      reload();
    }
  });
  return h('details', { class: 'card' }, h('summary', {}, t('fb.entryTitle')), form);
}
