// Sign in (Cognito USER_PASSWORD_AUTH through the API), then route by role.
import { h } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { post, get } from '../api.js';
import { startSession, setMe, clearSession, homeFor, me } from '../session.js';
import { pageTitle, card, busy, setFlash } from '../ui.js';
import { labelled, setFieldError } from '../forms.js';
import { ta } from '../account-strings.js';
import { startVneid } from '../vneid.js';

/** Only same-site hash routes are followed after sign-in. */
function safeNext(next) {
  return typeof next === 'string' && /^#\/[^\s]*$/.test(next) && !next.startsWith('#/signin') ? next : null;
}

/** The reset page, with the username typed so far. */
const forgotHref = (name) => `#/forgot-password${name.trim() ? `?username=${encodeURIComponent(name.trim())}` : ''}`;

export async function render(view, { query, navigate }) {
  const username = labelled(t('signin.username'), h('input', { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' }), { required: true });
  const password = labelled(t('signin.password'), h('input', { type: 'password', name: 'password', autocomplete: 'current-password' }), { required: true });
  username.label = t('signin.username');
  password.label = t('signin.password');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('signin.submit'));
  const form = h('form', { class: 'form narrow', novalidate: true }, username.wrap, password.wrap, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let bad = null;
    for (const f of [username, password]) {
      const missing = !f.input.value.trim();
      setFieldError(f, missing ? t('form.requiredEnter', { field: f.label }) : '');
      if (missing && !bad) bad = f;
    }
    if (bad) return bad.input.focus();
    await busy(submit, async () => {
      const tokens = await post('/api/auth/signin', { username: username.input.value.trim(), password: password.input.value }, { auth: false });
      startSession(tokens);
      try {
        setMe(await get('/api/me'));
      } catch (err) {
        clearSession();
        throw err;
      }
      const who = me();
      setFlash(t('signin.welcome', { name: who?.name || who?.username || '' }));
      navigate(safeNext(query.next) || homeFor(who?.role));
    });
    return undefined;
  });
  const en = getLang() === 'en';
  const vneidButton = h('button', { type: 'button', class: 'btn btn-primary', id: 'vneid-signin' },
    en ? 'Sign in with VNeID' : 'Đăng nhập bằng VNeID');
  vneidButton.addEventListener('click', () => busy(vneidButton, () => startVneid(safeNext(query.next))));
  const vneid = h('div', { class: 'vneid-choice' },
    h('p', {}, en
      ? 'Citizens: sign in with your electronic identity (VNeID app account, level 1 or 2).'
      : 'Công dân: đăng nhập bằng tài khoản định danh điện tử VNeID (mức độ 1 hoặc 2).'),
    vneidButton,
    h('p', { class: 'muted small' }, en ? 'Or with a username and password:' : 'Hoặc bằng tên đăng nhập và mật khẩu:'));
  view.append(pageTitle(t('signin.title')), card(h('p', { class: 'muted' }, t('signin.lead')), vneid, form,
    h('p', {}, h('a', { href: forgotHref(username.input.value), id: 'forgot-link', onclick: (e) => { e.currentTarget.href = forgotHref(username.input.value); } }, ta('reset.link'))),
    h('p', {}, ta('signup.noAccount'), ' ', h('a', { href: '#/signup', id: 'signup-link' }, ta('signup.signupLink')))));
}
