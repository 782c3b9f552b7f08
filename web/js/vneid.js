// Sign-in with VNeID (OpenID Connect, code flow with PKCE; the API holds the verifier and nonce).
// 1. startVneid(): POST /api/auth/vneid/start, keep the state in this tab, go to VNeID's page.
// 2. VNeID sends the browser back to our root with ?code&state; finishVneidIfReturning() checks the
//    state is this tab's, posts both to /api/auth/vneid/callback and starts the session.
// 3. vneidLogoutUrl(): where signing out sends the browser so VNeID's session ends too.
import { post, get } from './api.js';
import { getLang } from './i18n.js';
import { startSession, setMe, clearSession, homeFor } from './session.js';
import { setFlash } from './ui.js';

const PENDING = 'tthc.vneid.pending';
const LOGOUT = 'tthc.vneid.logout';
const S = {
  welcome: ['Xin chào {name}. Bạn đã đăng nhập bằng VNeID (mức độ {level}).', 'Welcome, {name}. You signed in with VNeID (level {level}).'],
  stateMismatch: ['Phiên đăng nhập VNeID không khớp với trang này. Vui lòng đăng nhập lại.', 'The VNeID sign-in does not match this tab. Please sign in again.'],
  cancelled: ['Bạn chưa hoàn tất đăng nhập VNeID. Bạn có thể thử lại, hoặc đăng nhập bằng tên đăng nhập và mật khẩu.', 'The VNeID sign-in was not completed. Try again, or sign in with your username and password.'],
};
export const vs = (key, vars = {}) => (S[key] ? S[key][getLang() === 'en' ? 1 : 0] : key)
  .replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));

/** Ask the API for VNeID's authorization URL and go there (errors propagate to the caller). */
export async function startVneid(next) {
  const { authorization_url: url, state } = await post('/api/auth/vneid/start', {}, { auth: false });
  sessionStorage.setItem(PENDING, JSON.stringify({ state, next: next || null }));
  location.assign(url);
}

/** If VNeID just sent the browser back here, finish the sign-in; true when it handled a return. */
export async function finishVneidIfReturning(navigate) {
  const params = new URLSearchParams(location.search);
  if (!params.has('state') || !(params.has('code') || params.has('error'))) return false;
  let pending = null;
  try {
    pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  } catch {
    pending = null;
  }
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', `${location.pathname}#/signin`); // the code leaves the address bar
  if (params.has('error')) {
    setFlash(vs('cancelled'), 'error');
    navigate('#/signin');
    return true;
  }
  if (!pending || pending.state !== params.get('state')) {
    setFlash(vs('stateMismatch'), 'error');
    navigate('#/signin');
    return true;
  }
  try {
    const tokens = await post('/api/auth/vneid/callback', { code: params.get('code'), state: params.get('state') }, { auth: false });
    startSession(tokens);
    if (tokens.logout_url) sessionStorage.setItem(LOGOUT, tokens.logout_url);
    const who = await get('/api/me');
    setMe(who);
    setFlash(vs('welcome', { name: who?.name || '', level: tokens.assurance_level }));
    navigate(pending.next || homeFor(who?.role));
  } catch (err) {
    clearSession();
    setFlash(err?.text || err?.message || vs('cancelled'), 'error');
    navigate('#/signin');
  }
  return true;
}

/** VNeID's end-session URL for this tab's sign-in (once), or null for a password sign-in. */
export function takeVneidLogoutUrl() {
  const url = sessionStorage.getItem(LOGOUT);
  sessionStorage.removeItem(LOGOUT);
  return url;
}
