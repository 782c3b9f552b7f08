// The citizen's own feedback: state, answer, and once per answer a rating; reopen once.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, listOf } from '../api.js';
import { pageTitle, loadInto, card, empty, busy, showNotice } from '../ui.js';
import { labelled } from '../forms.js';
import { feedbackFacts, answerCard } from './feedback-status.js';

export async function render(view) {
  const list = h('div', { id: 'my-feedback' });
  view.append(pageTitle(t('fb.myTitle'), h('p', {}, h('a', { href: '#/feedback', class: 'btn btn-secondary btn-small' }, t('fb.new')))), list);
  const load = () => loadInto(list, () => get('/api/my/feedback'), (body) => {
    const { items } = listOf(body);
    if (!items.length) return replace(list, empty(t('fb.none')));
    return replace(list, items.map((fb) => item(fb, load)));
  });
  await load();
}

function item(fb, reload) {
  const base = `/api/my/feedback/${encodeURIComponent(fb.id)}`;
  const actions = [];
  if (fb.can_rate) {
    const yes = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-action': 'satisfied' }, t('fb.satisfied'));
    const no = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-action': 'unsatisfied' }, t('fb.unsatisfied'));
    const rate = (button, satisfied) => async () => {
      if (await busy(button, () => post(`${base}/rating`, { satisfied }))) {
        showNotice(t('fb.rated'));
        reload();
      }
    };
    yes.addEventListener('click', rate(yes, true));
    no.addEventListener('click', rate(no, false));
    actions.push(h('div', { class: 'fb-rate' }, h('p', {}, t('fb.rateQuestion')), yes, ' ', no));
  } else if (fb.rating != null) {
    actions.push(h('p', { class: 'muted' }, fb.rating ? t('fb.ratedSatisfied') : t('fb.ratedUnsatisfied')));
  }
  if (fb.can_reopen) {
    const reason = labelled(t('fb.reopenReason'), h('textarea', { name: 'reason', rows: 2 }), { required: true });
    const send = h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('fb.reopen'));
    const form = h('form', { class: 'form fb-reopen', novalidate: true }, reason.wrap, h('div', { class: 'form-actions' }, send));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (await busy(send, () => post(`${base}/reopen`, { reason: reason.input.value.trim() }))) {
        showNotice(t('fb.reopened'));
        reload();
      }
    });
    actions.push(form);
  }
  if (fb.state === 'more_info_requested') {
    actions.push(h('p', {}, h('a', { href: `#/feedback/${encodeURIComponent(fb.code)}` }, t('fb.infoRequested'))));
  }
  return h('section', { class: 'card fb-item', 'data-code': fb.code }, feedbackFacts(fb), answerCard(fb), actions);
}
