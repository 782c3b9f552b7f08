// The signed-in session, kept in sessionStorage (gone when the tab closes).
const KEY = 'tthc.session';
const listeners = new Set();

function read() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

/** The current session {idToken, accessToken, refreshToken, expiresAt, me}, or null if none/expired. */
export function getSession() {
  const s = read();
  if (!s || !s.idToken) return null;
  if (s.expiresAt && Date.now() >= s.expiresAt) {
    clearSession();
    return null;
  }
  return s;
}

/** Store the tokens from POST /api/auth/signin. */
export function startSession(tokens) {
  const expiresIn = Number(tokens.expires_in || 3600);
  const s = {
    idToken: tokens.id_token,
    accessToken: tokens.access_token || null,
    refreshToken: tokens.refresh_token || null,
    // a little early, so a request never leaves with a token about to lapse
    expiresAt: Date.now() + Math.max(expiresIn - 30, 30) * 1000,
    me: tokens.profile || null,
  };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  notify();
  return s;
}

/** Store the profile from GET /api/me. */
export function setMe(me) {
  const s = read();
  if (!s) return;
  s.me = me;
  sessionStorage.setItem(KEY, JSON.stringify(s));
  notify();
}

export function clearSession() {
  const had = sessionStorage.getItem(KEY) !== null;
  sessionStorage.removeItem(KEY);
  if (had) notify();
}

// What the dossier wizard keeps of step-1 typing not saved yet, per person (web/js/wizard.js).
export const TYPING_PREFIX = 'tthc.wizard.';

/** Drop every person's kept typing from this tab (on signing out: the next person sees none). */
export function forgetAllTyping() {
  Object.keys(sessionStorage).filter((k) => k.startsWith(TYPING_PREFIX)).forEach((k) => sessionStorage.removeItem(k));
}

export function idToken() {
  return getSession()?.idToken || null;
}

export function me() {
  return getSession()?.me || null;
}

export function role() {
  return me()?.role || null;
}

/** Where a person of this role starts after signing in. */
export function homeFor(r) {
  return { citizen: '#/my', desk: '#/desk', agency: '#/agency', leader: '#/leader', province: '#/dashboard', admin: '#/admin' }[r] || '#/';
}

export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function notify() {
  for (const fn of listeners) fn(getSession());
}
