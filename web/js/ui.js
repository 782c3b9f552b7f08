// Shared page pieces: the alert region, notices, loading states, status badges, small layouts.
import { h, replace } from './dom.js';
import { t, getLang } from './i18n.js';
import { ApiError, listOf } from './api.js';

const alerts = () => document.getElementById('alerts');
const notices = () => document.getElementById('notices');

/** Show an error (ApiError or text) in the page's alert region; `retry` adds a "try again" button. */
export function showError(err, { retry } = {}) {
  const text = err instanceof ApiError ? err.text : err?.message || String(err || t('error.generic'));
  const box = h('div', { class: 'alert alert-error' },
    h('p', { class: 'alert-text' }, text),
    retry && h('button', { type: 'button', class: 'btn btn-small', onclick: () => { clearAlerts(); retry(); } }, t('action.retry')),
    h('button', { type: 'button', class: 'alert-close', 'aria-label': t('action.close'), onclick: () => box.remove() }, '×'));
  replace(alerts(), box);
  if (!retry) alerts().scrollIntoView?.({ block: 'nearest' });
  return box;
}

/** A polite success/info line (role="status"). A success supersedes earlier errors: they go. */
export function showNotice(text) {
  clearErrors();
  replace(notices(), h('div', { class: 'alert alert-ok' }, h('p', { class: 'alert-text' }, text)));
}

/** Remove the error region's messages (an earlier attempt's), leaving notices. */
export function clearErrors() {
  alerts()?.replaceChildren();
}

let flash = null;
/** A message to show after the next navigation (e.g. "submitted"); kind 'ok' or 'error'. */
export function setFlash(text, kind = 'ok') {
  flash = { text, kind };
}
export function takeFlash() {
  const f = flash;
  flash = null;
  return f;
}

export function clearAlerts() {
  alerts()?.replaceChildren();
  notices()?.replaceChildren();
}

/** A loading placeholder for a region. */
export function loading(label = t('common.loading')) {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label);
}

/**
 * Run `work()` and show its outcome: while it runs the button is busy; an ApiError lands in the alert
 * region (and next to the form field it names, when `form` is given).
 */
export async function busy(button, work, { form } = {}) {
  const label = button?.textContent;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.textContent = t('common.working');
  }
  clearErrors(); // a new attempt: the previous attempt's error no longer applies
  try {
    return await work();
  } catch (err) {
    showError(err);
    if (form && err instanceof ApiError && err.field) form.setError?.(err.field, err.text);
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = label;
    }
  }
}

/**
 * "Xem thêm" under a list paged by the server's cursor. It shows only while there is a `next`
 * cursor; a click fetches exactly the page after the rows shown (`fetchPage(cursor)`) and hands its
 * items to `append`; the button then hides when that page was the last. A click while a page is
 * loading, or without a cursor, does nothing, so no page is appended twice.
 */
export function moreButton({ id, next, fetchPage, append, label = t('dash.more') }) {
  let cursor = next || null;
  const button = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id, hidden: !cursor }, label);
  button.addEventListener('click', () => {
    if (!cursor || button.disabled) return undefined;
    return busy(button, async () => {
      const page = listOf(await fetchPage(cursor));
      append(page.items);
      cursor = page.next || null;
      button.hidden = !cursor;
    });
  });
  return button;
}

/** Load data for a page: shows a loading line, then the page or an error with a retry. */
export async function loadInto(region, load, render) {
  replace(region, loading());
  try {
    const data = await load();
    replace(region);
    render(data);
  } catch (err) {
    replace(region);
    showError(err, { retry: () => loadInto(region, load, render) });
  }
}

/** Whether a dossier is an unsubmitted draft: the API's status code 0 (never "has no code"). */
export const isDraft = (d) => !d?.status?.code;

/** The words of the API's {code, label_vi, label_en} in the current language ("Bản nháp" for 0). */
export function statusLabel(status) {
  if (!status?.code) return t('status.draft');
  return getLang() === 'en' ? status.label_en || status.label_vi : status.label_vi || status.label_en;
}

/** A status badge from the API's {code, label_vi, label_en}. */
export function statusBadge(status) {
  if (!status) return h('span', { class: 'badge badge-draft' }, t('status.draft'));
  return h('span', { class: `badge status-${status.code}`, 'data-status': status.code }, statusLabel(status));
}

/** The page's <h1>; the router moves focus to it after navigation. */
export function pageTitle(text, ...extra) {
  return h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, text), ...extra);
}

/** A definition list from [[label, value], ...]; empty values show "—". */
export function facts(rows) {
  return h('dl', { class: 'facts' }, rows.filter(Boolean).map(([k, v]) => [
    h('dt', {}, k),
    h('dd', {}, v == null || v === '' ? '—' : v),
  ]));
}

export function card(...children) {
  return h('section', { class: 'card' }, ...children);
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

/** Open a PDF blob in a new tab, with a download link left behind in `where` if pop-ups are blocked. */
export function openBlob(data, filename, where) {
  const url = URL.createObjectURL(data);
  const link = h('a', { href: url, download: filename, class: 'btn btn-secondary btn-small' }, t('action.download', { name: filename }));
  if (where) replace(where, link);
  window.open(url, '_blank', 'noopener');
  return link;
}
