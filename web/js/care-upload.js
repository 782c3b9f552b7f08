// POST an image file as the raw request body (face registration and lookup), with the same
// Idempotency-Key, bearer token and error shape as api.js.
import { ApiError, newKey } from './api.js';
import { idToken } from './session.js';

export async function postImage(path, file, { auth = false } = {}) {
  const headers = { 'Content-Type': file.type || 'image/jpeg', 'Idempotency-Key': newKey(), Accept: 'application/json' };
  const token = auth ? idToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers, body: file, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError({ status: 0, code: 'network' });
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError({ status: res.status, ...(data || {}) });
  return data;
}
