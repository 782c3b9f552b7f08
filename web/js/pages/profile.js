// Hồ sơ cá nhân: personal details (they prefill e-forms), consent to share registered data
// (Đ16.5), which reminders to get (NĐ 224/2026 Đ16), links to my documents and my data tracker,
// and "my account is compromised".
import { h, replace } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { get, post, put } from '../api.js';
import { setMe, clearSession, me } from '../session.js';
import { pageTitle, card, facts, busy, loadInto, showNotice, showError, clearAlerts, setFlash } from '../ui.js';
import { schemaForm, labelled, setFieldError } from '../forms.js';
import { ta } from '../account-strings.js';

const SHARE = 'share_with_related_services';

function detailsSchema() {
  return {
    type: 'object',
    required: ['name'],
    'x-order': ['name', 'email', 'phone', 'address'],
    properties: {
      name: { type: 'string', title: t('applicant.name'), minLength: 1, maxLength: 200, autocomplete: 'name' },
      email: { type: 'string', title: t('applicant.email'), format: 'email', maxLength: 254 },
      phone: { type: 'string', title: t('applicant.phone'), pattern: '^\\+?[0-9 .-]{8,15}$', autocomplete: 'tel', 'x-pattern-message': t('applicant.phoneBad') },
      address: { type: 'string', title: t('applicant.address'), maxLength: 300, format: 'textarea', autocomplete: 'street-address' },
    },
  };
}

function detailsCard(profile) {
  const values = {};
  for (const k of ['name', 'email', 'phone', 'address']) if (profile[k]) values[k] = profile[k];
  const form = schemaForm(detailsSchema(), { values, idPrefix: 'profile' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'profile-save' }, ta('profile.save'));
  const el = h('form', { class: 'form', novalidate: true, id: 'profile-form' }, form.element, h('div', { class: 'form-actions' }, save));
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearAlerts();
    const v = form.validate();
    if (!v) {
      showError(t('form.fixErrors'));
      return;
    }
    const payload = { name: v.name || '', email: v.email || '', phone: v.phone || '', address: v.address || '' };
    await busy(save, async () => {
      const saved = await post('/api/me/profile', payload);
      setMe({ ...(me() || {}), ...saved });
      showNotice(ta('profile.saved'));
    }, { form });
  });
  return card(
    h('h2', {}, ta('profile.details')),
    facts([[ta('profile.username'), profile.username], [ta('profile.idNumber'), profile.id_number]]),
    el);
}

function consentCard() {
  const body = h('div', { id: 'profile-consent' });
  const region = card(h('h2', {}, ta('profile.consent')), body);
  const show = (data) => {
    const item = (data?.items || []).find((x) => x.kind === SHARE);
    if (!item) return replace(body, h('p', { class: 'muted' }, '—'));
    const text = getLang() === 'en' ? item.text_en || item.text_vi : item.text_vi || item.text_en;
    const button = h('button', { type: 'button', class: item.given ? 'btn btn-secondary' : 'btn btn-primary' },
      item.given ? ta('profile.consentWithdraw') : ta('profile.consentGive'));
    button.addEventListener('click', () => busy(button, async () => {
      const next = await post('/api/my/consents', { kind: SHARE, given: !item.given, text_version: item.text_version });
      show(next);
      showNotice(ta('profile.consentSaved'));
      button.focus?.();
    }));
    return replace(body,
      h('p', {}, text),
      h('p', {}, h('span', { class: item.given ? 'badge badge-ok' : 'badge badge-draft' }, item.given ? ta('profile.consentGiven') : ta('profile.consentNone'))),
      h('div', { class: 'form-actions' }, button));
  };
  loadInto(body, () => get('/api/my/consents'), show);
  return region;
}

const REMINDER_KINDS = ['appointment', 'supplement', 'fee', 'expiry'];

function remindersCard() {
  const body = h('div', { id: 'profile-reminders' });
  const region = card(h('h2', {}, ta('reminders.title')), h('p', { class: 'muted' }, ta('reminders.lead')), body);
  const show = (prefs) => {
    const fields = REMINDER_KINDS.map((kind) => {
      const input = h('input', { type: 'checkbox', name: `reminder-${kind}` });
      input.checked = prefs?.[kind] !== false;
      return [kind, labelled(ta(`reminders.${kind}`), input, { id: `reminder-${kind}` })];
    });
    const save = h('button', { type: 'submit', class: 'btn btn-secondary', id: 'reminders-save' }, ta('reminders.save'));
    const form = h('form', { class: 'form', novalidate: true, id: 'reminders-form' },
      h('fieldset', {}, h('legend', { class: 'sr-only' }, ta('reminders.title')), fields.map(([, f]) => f.wrap)),
      h('div', { class: 'form-actions' }, save));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearAlerts();
      await busy(save, async () => {
        const next = await put('/api/me/reminder-preferences', Object.fromEntries(fields.map(([k, f]) => [k, f.input.checked])));
        for (const [k, f] of fields) f.input.checked = next?.[k] !== false;
        showNotice(ta('reminders.saved'));
      });
    });
    return replace(body, form);
  };
  loadInto(body, () => get('/api/me/reminder-preferences'), show);
  return region;
}

function linksCard(navLinks) {
  return card(h('h2', {}, ta('profile.links')), h('ul', { class: 'plain profile-links' },
    navLinks.map(([href, label]) => h('li', {}, h('a', { href }, label)))));
}

function securityCard(navigate) {
  const note = labelled(ta('security.note'), h('textarea', { name: 'note', rows: 2, maxlength: 1000 }));
  const confirm = labelled(ta('security.confirm'), h('input', { type: 'checkbox', name: 'confirm-lock' }), { required: true });
  const report = h('button', { type: 'button', class: 'btn btn-danger-outline', id: 'report-compromised' }, ta('security.report'));
  report.addEventListener('click', async () => {
    if (!confirm.input.checked) {
      setFieldError(confirm, ta('security.confirmNeeded'));
      confirm.input.focus();
      return;
    }
    setFieldError(confirm, '');
    await busy(report, async () => {
      await post('/api/me/compromised', { note: note.input.value.trim() });
      clearSession();
      setFlash(ta('security.locked'));
      navigate('#/signin');
    });
  });
  return card(h('h2', {}, ta('security.title')), h('p', {}, ta('security.lead')), note.wrap, confirm.wrap,
    h('div', { class: 'form-actions' }, report));
}

export async function render(view, { navigate }) {
  const body = h('div');
  view.append(pageTitle(ta('profile.title'), h('p', { class: 'muted' }, ta('profile.lead'))), body);
  await loadInto(body, () => get('/api/me'), (profile) => {
    setMe({ ...(me() || {}), ...profile });
    const citizen = profile.role === 'citizen';
    replace(body,
      detailsCard(profile),
      citizen && consentCard(),
      citizen && remindersCard(),
      citizen && linksCard([['#/my/documents', t('nav.myDocuments')], ['#/my/access-log', t('nav.myAccessLog')]]),
      securityCard(navigate));
  });
}
