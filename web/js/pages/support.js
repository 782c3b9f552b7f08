// Technical support requests (Đ15.8): staff raise one (with a screenshot); IT (admin) triages,
// answers and closes.
import { h, replace } from '../dom.js';
import { get, post } from '../api.js';
import { role } from '../session.js';
import { pageTitle, loadInto, card, busy, showNotice, empty, moreButton } from '../ui.js';
import { timeEl } from '../format.js';
import { tc } from '../care-strings.js';
import { t, getLang } from '../i18n.js';

async function uploadScreenshot(id, file) {
  const slot = await post(`/api/staff/support/${id}/screenshot`, { filename: file.name, content_type: file.type, size: file.size });
  const form = new FormData();
  for (const [k, v] of Object.entries(slot.fields)) form.append(k, v);
  form.append('file', file);
  await fetch(slot.url, { method: 'POST', body: form });
  await post(`/api/staff/support/${id}/screenshot/finalize`, {});
}

function itControls(r, reload) {
  if (r.state === 'closed') return null;
  const prio = h('select', { 'aria-label': tc('support.priority') }, ['low', 'normal', 'high', 'urgent'].map((p) => h('option', { value: p, selected: p === (r.priority || 'normal') }, p)));
  const triage = h('button', { type: 'button', class: 'btn btn-small' }, tc('support.triage'));
  triage.addEventListener('click', () => busy(triage, async () => { await post(`/api/admin/support/${r.id}/triage`, { priority: prio.value }); await reload(); }));
  const text = h('textarea', { rows: '2', 'aria-label': tc('support.answer') });
  const answer = h('button', { type: 'button', class: 'btn btn-small' }, tc('support.answer'));
  answer.addEventListener('click', () => busy(answer, async () => { await post(`/api/admin/support/${r.id}/answer`, { answer: text.value }); await reload(); }));
  const close = h('button', { type: 'button', class: 'btn btn-small btn-ghost' }, tc('support.close'));
  close.addEventListener('click', () => busy(close, async () => { await post(`/api/admin/support/${r.id}/close`, {}); await reload(); }));
  return h('div', { class: 'btn-row' }, r.state !== 'answered' && [prio, triage], text, answer, close);
}

export async function render(view) {
  const isIt = role() === 'admin';
  const list = h('div', { id: 'support-list' });
  const row = (r) => card(
    h('h2', {}, r.id, ' ', h('span', { class: 'badge' }, tc(`support.state.${r.state}`)), r.priority && h('span', { class: 'badge' }, r.priority)),
    h('p', { class: 'small muted' }, r.raised_by, ' · ', r.agency, ' · ', timeEl(r.raised_at), r.dossier_code && [' · ', r.dossier_code]),
    h('p', {}, r.error_seen),
    r.answer && h('p', { class: 'notice-box' }, r.answer),
    isIt && itControls(r, reload));
  // IT's queue: one page at a time (server cursor `next`), filtered on the server (state, text)
  const en = getLang() === 'en';
  const state = h('select', { id: 'support-state', 'aria-label': en ? 'State' : 'Trạng thái' },
    h('option', { value: '' }, en ? 'Not closed' : 'Chưa đóng'),
    ['open', 'triaged', 'answered', 'closed'].map((st) => h('option', { value: st }, tc(`support.state.${st}`))));
  const q = h('input', { type: 'search', id: 'support-q', 'aria-label': t('action.search'), placeholder: t('action.search') });
  const filter = isIt && h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); reload(); } },
    state, q, h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('action.search')));
  const params = (cursor) => (isIt ? { state: state.value, q: q.value.trim(), limit: 20, cursor } : {});
  const path = isIt ? '/api/admin/support' : '/api/staff/support';
  const reload = () => loadInto(list, () => get(path, params()), ({ items, next }) => {
    if (!items.length) {
      replace(list, empty(tc('support.none')));
      return;
    }
    const rows = h('div', {}, items.map(row));
    const first = params();
    const more = moreButton({
      id: 'support-more',
      next,
      fetchPage: (cursor) => get(path, { ...first, cursor }),
      append: (page) => rows.append(...page.map(row)),
    });
    replace(list, rows, h('div', { class: 'btn-row' }, more));
  });
  const parts = [pageTitle(tc('support.title'), h('p', { class: 'muted' }, tc('support.lead')))];
  if (!isIt) {
    const code = h('input', { type: 'text', id: 'support-code', autocomplete: 'off' });
    const error = h('textarea', { id: 'support-error', rows: '3', required: true });
    const shot = h('input', { type: 'file', id: 'support-shot', accept: 'image/png,image/jpeg' });
    const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, tc('support.send'));
    const form = h('form', { class: 'form', id: 'support-form' },
      h('h2', {}, tc('support.new')),
      h('div', { class: 'field' }, h('label', { for: 'support-code' }, tc('support.code')), code),
      h('div', { class: 'field' }, h('label', { for: 'support-error' }, tc('support.error')), error),
      h('div', { class: 'field' }, h('label', { for: 'support-shot' }, tc('support.shot')), shot),
      h('div', { class: 'form-actions' }, btn));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(btn, async () => {
        const r = await post('/api/staff/support', { dossier_code: code.value.trim() || null, error_seen: error.value.trim() });
        if (shot.files?.[0]) await uploadScreenshot(r.id, shot.files[0]);
        showNotice(tc('support.sent', { id: r.id }));
        form.reset();
        await reload();
      });
    });
    parts.push(card(form));
  }
  if (filter) parts.push(filter);
  view.append(...parts, list);
  await reload();
}
