// A citizen registers (with explicit consent) or withdraws their face for lookup by face.
import { h, replace } from '../dom.js';
import { get, post } from '../api.js';
import { getLang } from '../i18n.js';
import { pageTitle, loadInto, card, busy, showNotice } from '../ui.js';
import { tc } from '../care-strings.js';
import { postImage } from '../care-upload.js';

export async function render(view) {
  const body = h('div');
  view.append(pageTitle(tc('face.myTitle')), body);
  const load = () => loadInto(body, () => get('/api/my/face'), show);

  function show(st) {
    const text = getLang() === 'en' ? st.consent_text_en : st.consent_text_vi;
    const withdraw = h('button', { type: 'button', class: 'btn btn-danger', id: 'face-withdraw' }, tc('face.withdraw'));
    withdraw.addEventListener('click', () => busy(withdraw, async () => {
      await post('/api/my/face/withdraw', {});
      showNotice(tc('face.withdrawn'));
      await load();
    }));
    const parts = [h('p', { class: 'notice-box', id: 'face-state' }, st.registered ? tc('face.registered') : tc('face.notRegistered'))];
    if (!st.available) parts.push(h('p', { class: 'notice-box warn' }, tc('face.unavailable')));
    else {
      const consent = h('input', { type: 'checkbox', id: 'face-consent' });
      const file = h('input', { type: 'file', id: 'face-selfie', accept: 'image/jpeg,image/png', capture: 'user' });
      const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, tc('face.register'));
      const form = h('form', { class: 'form' },
        h('blockquote', { class: 'consent-text', id: 'consent-text' }, text),
        h('div', { class: 'field field-check' }, consent, h('label', { for: 'face-consent' }, tc('face.consent'))),
        h('div', { class: 'field' }, h('label', { for: 'face-selfie' }, tc('face.photo')), file),
        h('div', { class: 'form-actions' }, btn));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        if (!consent.checked || !file.files?.[0]) return;
        const q = `consent=accepted&consent_version=${encodeURIComponent(st.consent_version)}`;
        busy(btn, async () => {
          await postImage(`/api/my/face?${q}`, file.files[0], { auth: true });
          showNotice(tc('face.registered'));
          await load();
        });
      });
      parts.push(card(form));
    }
    if (st.registered) parts.push(h('div', { class: 'form-actions' }, withdraw));
    replace(body, ...parts);
  }
  await load();
}
