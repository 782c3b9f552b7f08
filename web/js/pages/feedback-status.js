// The sender's view of one feedback (by code and the token given at submission), and their reply
// when the agency asks for more information.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { pageTitle, loadInto, card, facts, busy, showNotice } from '../ui.js';
import { labelled } from '../forms.js';
import { timeEl } from '../format.js';
import { stateBadge, channelLabel, categoryLabel } from '../feedback-common.js';
import { unitLabel } from '../levels.js';

export function feedbackFacts(fb) {
  return facts([
    [t('fb.code'), h('strong', { class: 'code' }, fb.code)],
    [t('fb.subject'), fb.subject],
    [t('fb.state'), stateBadge(fb.state)],
    [t('fb.channel'), channelLabel(fb.channel)],
    [t('fb.category'), categoryLabel(fb.category)],
    [t('fb.agency'), unitLabel(fb.agency)],
    [t('fb.receivedAt'), timeEl(fb.received_at)],
    [t('fb.dueAt'), fb.due_at ? timeEl(fb.due_at) : null],
  ]);
}

export function answerCard(fb) {
  if (!fb.answer && !fb.refusal_reason) return null;
  return card(h('h2', {}, fb.answer ? t('fb.answer') : t('fb.refusal')),
    h('p', { class: 'fb-answer' }, fb.answer || fb.refusal_reason),
    fb.answered_at && h('p', { class: 'muted' }, timeEl(fb.answered_at)));
}

export async function render(view, { params, query }) {
  const region = h('div', { id: 'feedback-status' });
  view.append(pageTitle(t('fb.statusTitle')), region);
  const load = () => loadInto(region, () => get(`/api/feedback/${encodeURIComponent(params.code)}`, { token: query.token }), (fb) => {
    const parts = [card(feedbackFacts(fb), h('p', {}, fb.content)), answerCard(fb)];
    if (fb.state === 'more_info_requested') {
      const reply = labelled(t('fb.infoReply'), h('textarea', { name: 'content', rows: 4 }), { required: true });
      const send = h('button', { type: 'submit', class: 'btn btn-primary' }, t('fb.sendInfo'));
      const form = h('form', { class: 'form', novalidate: true }, reply.wrap, h('div', { class: 'form-actions' }, send));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const ok = await busy(send, () => post(`/api/feedback/${encodeURIComponent(fb.code)}/info`, { content: reply.input.value.trim(), token: query.token || null }));
        if (ok) {
          showNotice(t('fb.infoSent'));
          load();
        }
      });
      parts.push(card(h('h2', {}, t('fb.infoRequested')), h('p', {}, fb.info_request), form));
    }
    replace(region, parts);
  });
  await load();
}
