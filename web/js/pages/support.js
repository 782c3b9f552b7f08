// Technical support requests (Đ15.8): staff raise one (with a screenshot); IT (admin) triages,
// answers and closes.
import { h, replace } from '../dom.js';
import { get, post } from '../api.js';
import { role } from '../session.js';
import { pageTitle, loadInto, card, busy, showNotice, empty } from '../ui.js';
import { timeEl } from '../format.js';
import { tc } from '../care-strings.js';

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
  const reload = () => loadInto(list, () => get(isIt ? '/api/admin/support' : '/api/staff/support'), ({ items }) => {
    if (!items.length) {
      replace(list, empty(tc('support.none')));
      return;
    }
    replace(list, items.map((r) => card(
      h('h2', {}, r.id, ' ', h('span', { class: 'badge' }, tc(`support.state.${r.state}`)), r.priority && h('span', { class: 'badge' }, r.priority)),
      h('p', { class: 'small muted' }, r.raised_by, ' · ', r.agency, ' · ', timeEl(r.raised_at), r.dossier_code && [' · ', r.dossier_code]),
      h('p', {}, r.error_seen),
      r.answer && h('p', { class: 'notice-box' }, r.answer),
      isIt && itControls(r, reload))));
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
  view.append(...parts, list);
  await reload();
}
