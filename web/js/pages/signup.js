// Sign up (a citizen account in the Cognito pool, through the API), then sign in at once when the
// pool confirms new accounts (the local stack does); otherwise ask for the e-mail confirmation.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { post, get, ApiError } from '../api.js';
import { startSession, setMe, clearSession } from '../session.js';
import { pageTitle, card, busy, setFlash, showError, clearAlerts } from '../ui.js';
import { labelled, setFieldError } from '../forms.js';
import { ta } from '../account-strings.js';

const USERNAME = /^[A-Za-z0-9_.-]{3,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const strong = (p) => p.length >= 8 && /[a-z]/.test(p) && /[A-Z]/.test(p) && /[0-9]/.test(p) && /[^A-Za-z0-9]/.test(p);

export async function render(view, { navigate }) {
  const field = (label, attrs, opts = {}) => {
    const f = labelled(label, h('input', attrs), { required: true, ...opts });
    f.label = label;
    return f;
  };
  const name = field(ta('signup.name'), { type: 'text', name: 'name', autocomplete: 'name', maxlength: 200 });
  const username = field(ta('signup.username'), { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', maxlength: 64 }, { hint: ta('signup.usernameHint') });
  const email = field(ta('signup.email'), { type: 'email', name: 'email', autocomplete: 'email', maxlength: 200 });
  const password = field(ta('signup.password'), { type: 'password', name: 'password', autocomplete: 'new-password' }, { hint: ta('signup.passwordHint') });
  const password2 = field(ta('signup.password2'), { type: 'password', name: 'password2', autocomplete: 'new-password' });
  const fields = { name, username, email, password };
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, ta('signup.submit'));
  const form = h('form', { class: 'form narrow', novalidate: true, id: 'signup-form' },
    name.wrap, username.wrap, email.wrap, password.wrap, password2.wrap,
    h('div', { class: 'form-actions' }, submit));

  function check() {
    const v = (f) => f.input.value.trim();
    const messages = [
      [name, !v(name) ? t('form.requiredEnter', { field: name.label }) : ''],
      [username, !v(username) ? t('form.requiredEnter', { field: username.label }) : !USERNAME.test(v(username)) ? ta('signup.usernameBad') : ''],
      [email, !v(email) ? t('form.requiredEnter', { field: email.label }) : !EMAIL.test(v(email)) ? t('form.email', { field: email.label }) : ''],
      [password, !password.input.value ? t('form.requiredEnter', { field: password.label }) : !strong(password.input.value) ? ta('signup.passwordWeak') : ''],
      [password2, password2.input.value !== password.input.value || !password2.input.value ? ta('signup.mismatch') : ''],
    ];
    let bad = null;
    for (const [f, m] of messages) {
      setFieldError(f, m);
      if (m && !bad) bad = f;
    }
    return bad;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearAlerts();
    const bad = check();
    if (bad) {
      showError(t('form.fixErrors'));
      bad.input.focus();
      return;
    }
    const creds = { username: username.input.value.trim(), password: password.input.value };
    await busy(submit, async () => {
      try {
        await post('/api/auth/signup', { ...creds, email: email.input.value.trim(), name: name.input.value.trim() }, { auth: false });
      } catch (err) {
        if (err instanceof ApiError && err.field && fields[err.field]) {
          setFieldError(fields[err.field], err.text);
          fields[err.field].input.focus();
        }
        throw err;
      }
      let tokens;
      try {
        tokens = await post('/api/auth/signin', creds, { auth: false });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'user_not_confirmed') {
          setFlash(ta('signup.confirm'));
          navigate('#/signin');
          return;
        }
        throw err;
      }
      startSession(tokens);
      try {
        setMe(await get('/api/me'));
      } catch (err) {
        clearSession();
        throw err;
      }
      setFlash(ta('signup.done', { name: name.input.value.trim() }));
      navigate('#/profile');
    });
  });
  view.append(
    pageTitle(ta('signup.title')),
    card(h('p', { class: 'muted' }, ta('signup.lead')), form,
      h('p', {}, ta('signup.haveAccount'), ' ', h('a', { href: '#/signin' }, ta('signup.signinLink')))),
  );
}
