// Forgotten password: ask for an e-mailed code (Cognito ForgotPassword through the API), then
// set a new password with it (ConfirmForgotPassword). The answer to the first step is the same
// whether or not the account exists; errors arrive in Vietnamese next to their field.
import { h } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { post, ApiError } from '../api.js';
import { pageTitle, card, busy, setFlash, showNotice, showError, clearAlerts } from '../ui.js';
import { labelled, setFieldError } from '../forms.js';
import { ta } from '../account-strings.js';
import { strong } from './signup.js';

const CODE = /^[0-9]{6}$/;

export async function render(view, { query, navigate }) {
  const field = (label, attrs, opts = {}) => {
    const f = labelled(label, h('input', attrs), { required: true, ...opts });
    f.label = label;
    return f;
  };
  const username = field(ta('reset.username'), { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', maxlength: 128, value: query.username || '' }, { id: 'reset-username' });
  const send = h('button', { type: 'submit', class: 'btn btn-primary', id: 'reset-send' }, ta('reset.send'));
  const ask = h('form', { class: 'form narrow', novalidate: true, id: 'reset-request' }, username.wrap, h('div', { class: 'form-actions' }, send));

  const code = field(ta('reset.code'), { type: 'text', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 12 }, { id: 'reset-code', hint: ta('reset.codeHint') });
  const password = field(ta('reset.password'), { type: 'password', name: 'password', autocomplete: 'new-password' }, { id: 'reset-password', hint: ta('signup.passwordHint') });
  const password2 = field(ta('reset.password2'), { type: 'password', name: 'password2', autocomplete: 'new-password' }, { id: 'reset-password2' });
  const fields = { code, password };
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'reset-submit' }, ta('reset.submit'));
  const confirm = h('form', { class: 'form narrow', novalidate: true, id: 'reset-confirm' },
    code.wrap, password.wrap, password2.wrap, h('div', { class: 'form-actions' }, submit));
  const step2 = h('section', { class: 'card', id: 'reset-step2', hidden: true, 'aria-labelledby': 'reset-step2-title' },
    h('h2', { id: 'reset-step2-title' }, ta('reset.step2')), h('p', { class: 'muted' }, ta('reset.step2Lead')), confirm);

  ask.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = username.input.value.trim();
    setFieldError(username, name ? '' : t('form.requiredEnter', { field: username.label }));
    if (!name) return username.input.focus();
    await busy(send, async () => {
      const sent = await post('/api/auth/forgot-password', { username: name }, { auth: false });
      showNotice((getLang() === 'en' ? sent?.message_en : sent?.message) || ta('reset.lead'));
      step2.hidden = false;
      code.input.focus();
    });
    if (!step2.hidden) send.textContent = ta('reset.resend'); // after busy() put its label back
    return undefined;
  });

  confirm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearAlerts();
    const typed = code.input.value.replace(/\s+/g, '');
    const checks = [
      [code, !typed ? t('form.requiredEnter', { field: code.label }) : !CODE.test(typed) ? ta('reset.codeBad') : ''],
      [password, !password.input.value ? t('form.requiredEnter', { field: password.label }) : !strong(password.input.value) ? ta('signup.passwordWeak') : ''],
      [password2, password2.input.value !== password.input.value || !password2.input.value ? ta('signup.mismatch') : ''],
    ];
    let bad = null;
    for (const [f, m] of checks) {
      setFieldError(f, m);
      if (m && !bad) bad = f;
    }
    if (bad) {
      showError(t('form.fixErrors'));
      bad.input.focus();
      return;
    }
    await busy(submit, async () => {
      try {
        await post('/api/auth/forgot-password/confirm', { username: username.input.value.trim(), code: typed, password: password.input.value }, { auth: false });
      } catch (err) {
        if (err instanceof ApiError && fields[err.field]) {
          setFieldError(fields[err.field], err.text);
          fields[err.field].input.focus();
        }
        throw err;
      }
      setFlash(ta('reset.done'));
      navigate('#/signin');
    });
  });

  view.append(
    pageTitle(ta('reset.title')),
    card(h('p', { class: 'muted' }, ta('reset.lead')), ask),
    step2,
    h('p', {}, h('a', { href: '#/signin' }, ta('reset.back'))),
  );
}
