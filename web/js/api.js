// Same-origin JSON API client. Adds the bearer token and an Idempotency-Key on every POST, and turns
// the API's error body {code, message, message_en, field} into an ApiError.
import { idToken, clearSession } from './session.js';
import { t, getLang } from './i18n.js';

export class ApiError extends Error {
  constructor({ status = 0, code = 'error', message = '', message_en = '', field = null } = {}) {
    super(message_en || message || code);
    this.status = status;
    this.code = code;
    this.messageVi = message;
    this.messageEn = message_en;
    this.field = field;
  }

  /** The message in the current language (falls back to the other one, then a generic text). */
  get text() {
    const own = getLang() === 'en' ? this.messageEn || this.messageVi : this.messageVi || this.messageEn;
    return own || t(`error.${this.code}`, {}, t('error.generic'));
  }

  get isNetwork() {
    return this.code === 'network';
  }
}

/** A fresh idempotency key (crypto.randomUUID needs a secure context; fall back elsewhere). */
export function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let onUnauthorized = () => {};
/** The app decides what a 401 means (sign in again). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** Build "/api/x?a=1" from a path and a params object (empty values are dropped). */
export function withQuery(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v != null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function send(path, { method = 'GET', body, auth = true, headers = {}, accept = 'application/json' } = {}) {
  const h = { Accept: accept, ...headers };
  const token = auth ? idToken() : null;
  if (token) h.Authorization = `Bearer ${token}`;
  if (method !== 'GET' && method !== 'HEAD') h['Idempotency-Key'] = newKey();
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError({ status: 0, code: 'network', message: t('error.network', {}, '', 'vi'), message_en: t('error.network', {}, '', 'en') });
  }
  if (!res.ok) {
    let err = {};
    try {
      err = await res.json();
    } catch {
      /* not JSON: keep the generic message */
    }
    const e = new ApiError({ status: res.status, code: err.code || `http_${res.status}`, message: err.message || '', message_en: err.message_en || '', field: err.field || null });
    if (res.status === 401 && token) {
      clearSession();
      onUnauthorized(e);
    }
    throw e;
  }
  return res;
}

/** JSON request. `api('/api/x', {method: 'POST', body: {...}})`. Resolves to the parsed body (or null). */
export async function api(path, options = {}) {
  const res = await send(path, options);
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, params, options = {}) => api(withQuery(path, params), options);
export const post = (path, body = {}, options = {}) => api(path, { ...options, method: 'POST', body });
export const put = (path, body = {}, options = {}) => api(path, { ...options, method: 'PUT', body });
export const del = (path, options = {}) => api(path, { ...options, method: 'DELETE' });

/** A binary download (e.g. a receipt PDF) fetched with the bearer token. */
export async function blob(path, accept = 'application/pdf') {
  const res = await send(path, { accept });
  return res.blob();
}

/** Lists may come as an array or as {items, next_token|next|cursor}. */
export function listOf(body) {
  if (Array.isArray(body)) return { items: body, next: null };
  if (!body || typeof body !== 'object') return { items: [], next: null };
  const items = body.items || body.results || body.dossiers || body.tasks || body.procedures || [];
  return { items, next: body.next_token || body.next || body.cursor || null };
}
