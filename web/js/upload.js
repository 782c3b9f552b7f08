// One upload control per document requirement: type and size checked before sending, a presigned
// S3 POST with a progress bar, then the server's verdict after finalize.
import { h, replace, uid } from './dom.js';
import { t } from './i18n.js';
import { get, post, ApiError } from './api.js';
import { formatBytes } from './format.js';

const EXT_TYPES = {
  pdf: 'application/pdf', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  txt: 'text/plain', zip: 'application/zip', tif: 'image/tiff', tiff: 'image/tiff',
};
const TYPE_NAMES = {
  'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/tiff': 'TIFF',
  'application/msword': 'DOC', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'DOCX',
  'application/vnd.ms-excel': 'XLS', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'XLSX',
};
export const DEFAULT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'];
export const DEFAULT_MAX = 10 * 1024 * 1024;

/** The file's MIME type, from the browser or else from its extension. */
export function fileType(file) {
  if (file.type) return file.type;
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return EXT_TYPES[ext] || 'application/octet-stream';
}

export const typeNames = (types) => types.map((x) => TYPE_NAMES[x] || x).join(', ');

/** Client-side check: returns a message, or '' when the file may be sent. */
export function checkFile(file, doc) {
  const types = doc.accepted_types?.length ? doc.accepted_types : DEFAULT_TYPES;
  const max = doc.max_bytes || DEFAULT_MAX;
  if (!types.includes(fileType(file))) return t('upload.badType', { name: file.name, types: typeNames(types) });
  if (file.size > max) return t('upload.tooBig', { name: file.name, size: formatBytes(file.size), max: formatBytes(max) });
  if (file.size === 0) return t('upload.empty', { name: file.name });
  return '';
}

/** multipart POST to the presigned URL: every field, then the file last. */
export function postToStorage(url, fields, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields || {})) form.append(k, v);
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new ApiError({ status: xhr.status, code: 'upload_failed', message: t('upload.failed', {}, '', 'vi'), message_en: t('upload.failed', {}, '', 'en') }));
    });
    xhr.addEventListener('error', () => reject(new ApiError({ code: 'network', message: t('upload.network', {}, '', 'vi'), message_en: t('upload.network', {}, '', 'en') })));
    xhr.send(form);
  });
}

/**
 * Ask the server for its verdict. The S3 upload event re-checks the same file in the background; if
 * it got there first and deleted a misfit, finalize can fail (409, or a 5xx while the object
 * vanishes): the dossier then already holds the verdict. Other failures are retried twice.
 */
async function finalize(base, attachmentId) {
  const id = encodeURIComponent(attachmentId);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await post(`${base}/attachments/${id}/finalize`, {});
    } catch (err) {
      const transient = err instanceof ApiError && (err.status === 409 || err.status >= 500 || err.isNetwork);
      if (!transient || attempt >= 3) throw err;
      const dossier = await get(base).catch(() => null);
      const att = dossier?.attachments?.find((a) => a.id === attachmentId);
      if (att && att.state && att.state !== 'pending') return att;
      await new Promise((resolve) => { setTimeout(resolve, 400 * attempt); });
    }
  }
}

const FORM_KEYS = { original: 'doc.original', copy: 'doc.copy', certified_copy: 'doc.certifiedCopy', electronic: 'doc.electronic' };
export const docFormLabel = (form) => t(FORM_KEYS[form] || 'doc.copy');

/**
 * An upload control for requirement `doc` of dossier `dossierId`.
 * `base` is the dossier's API path ('/api/my/dossiers/<id>', later '/api/desk/dossiers/<id>').
 * `current` is an attachment already on the dossier. `onChange(attachment)` fires on each verdict.
 */
export function uploadControl({ base, doc, current = null, onChange = () => {} }) {
  const id = uid(`up-${doc.id}`);
  const types = doc.accepted_types?.length ? doc.accepted_types : DEFAULT_TYPES;
  const max = doc.max_bytes || DEFAULT_MAX;
  const input = h('input', { type: 'file', id, name: doc.id, class: 'file-input', accept: types.join(','), 'aria-describedby': `${id}-hint ${id}-msg` });
  // the native control's words follow the browser's language; this face speaks the page's
  const chosen = h('span', { class: 'file-name', 'aria-hidden': 'true' }, t('upload.noneChosen'));
  const face = h('span', { class: 'btn btn-secondary btn-small file-button', 'aria-hidden': 'true', onclick: () => input.click() }, t('upload.choose'));
  const progress = h('progress', { max: 100, value: 0, hidden: true, 'aria-label': t('upload.progress', { name: doc.name }) });
  const percent = h('span', { class: 'progress-text', hidden: true });
  const message = h('div', { class: 'upload-msg', id: `${id}-msg`, 'aria-live': 'polite' });
  const wrap = h('div', { class: 'upload', dataset: { doc: doc.id } },
    h('label', { for: id, class: 'upload-label' },
      doc.name,
      doc.required !== false && h('span', { class: 'req', 'aria-hidden': 'true' }, ' *'),
      doc.required !== false && h('span', { class: 'sr-only' }, ` (${t('form.required')})`)),
    h('p', { class: 'field-hint', id: `${id}-hint` },
      `${docFormLabel(doc.form)} · ${t('doc.count', { n: doc.count || 1 })} · ${t('upload.limits', { types: typeNames(types), max: formatBytes(max) })}`),
    h('div', { class: 'file-pick' }, input, face, chosen),
    h('div', { class: 'progress-row' }, progress, percent),
    message);
  const state = { attachment: current };

  function verdict(att) {
    state.attachment = att;
    wrap.classList.toggle('is-accepted', att?.state === 'accepted');
    wrap.classList.toggle('is-rejected', att?.state === 'rejected');
    if (!att) return replace(message);
    if (att.state === 'accepted') {
      // An accepted image may carry a note: its EXIF/GPS metadata was removed.
      replace(message, h('p', { class: 'verdict verdict-ok' }, `✓ ${t('upload.accepted', { name: att.filename || '' })}`, att.reason ? ` ${att.reason}` : ''));
    } else if (att.state === 'rejected') {
      replace(message, h('p', { class: 'verdict verdict-bad' }, `✗ ${t('upload.rejected', { name: att.filename || '' })}`, att.reason ? ` ${att.reason}` : ''));
    } else {
      replace(message, h('p', { class: 'verdict' }, t('upload.pending', { name: att.filename || '' })));
    }
    return undefined;
  }

  function error(text) {
    wrap.classList.add('is-rejected');
    replace(message, h('p', { class: 'field-error verdict-bad' }, text));
  }

  function setProgress(fraction) {
    const pct = Math.round(fraction * 100);
    progress.value = pct;
    percent.textContent = `${pct}%`;
  }

  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    chosen.textContent = file.name;
    const problem = checkFile(file, doc);
    if (problem) {
      input.value = '';
      error(problem);
      return;
    }
    wrap.classList.remove('is-rejected', 'is-accepted');
    replace(message, h('p', { class: 'verdict' }, t('upload.sending', { name: file.name })));
    progress.hidden = false;
    percent.hidden = false;
    setProgress(0);
    input.disabled = true;
    let sent = false;
    try {
      const slot = await post(`${base}/uploads`, { document_id: doc.id, filename: file.name, content_type: fileType(file), size: file.size });
      await postToStorage(slot.url, slot.fields, file, setProgress);
      setProgress(1);
      sent = true;
      replace(message, h('p', { class: 'verdict' }, t('upload.checking', { name: file.name })));
      const att = await finalize(base, slot.attachment_id);
      verdict({ filename: file.name, ...att });
      onChange(state.attachment);
    } catch (err) {
      error(err instanceof ApiError ? err.text : t('upload.failed'));
    } finally {
      input.disabled = false;
      input.value = '';
      // a finished upload keeps its full bar; a failed one hides it
      progress.hidden = !sent;
      percent.hidden = !sent;
    }
  });

  verdict(current);
  return { element: wrap, doc, get attachment() { return state.attachment; } };
}
