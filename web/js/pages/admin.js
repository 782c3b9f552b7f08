// Admin: open any dossier by the code on its receipt (any case) or its internal id, to decide
// exemptions.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { pageTitle, card } from '../ui.js';
import { labelled, setFieldError } from '../forms.js';
import { act, errorSlot } from '../lifecycle.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function render(view, { navigate }) {
  const field = labelled(t('admin.dossierId'), h('input', { type: 'text', name: 'dossier', autocomplete: 'off', spellcheck: 'false' }), { required: true, hint: t('admin.dossierHint') });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('admin.open'));
  const slot = errorSlot();
  const form = h('form', { class: 'form narrow', novalidate: true }, field.wrap, slot, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = field.input.value.trim();
    setFieldError(field, value ? '' : t('form.requiredEnter', { field: t('admin.dossierId') }));
    if (!value) return field.input.focus();
    await act(submit, slot, async () => {
      const d = UUID.test(value)
        ? await get(`/api/agency/dossiers/${encodeURIComponent(value)}`)
        : await get(`/api/staff/dossiers/by-code/${encodeURIComponent(value)}`);
      navigate(`#/agency/${encodeURIComponent(d.id)}`);
    });
    return undefined;
  });
  const links = [['#/admin/procedures', 'nav.adminProcedures'], ['#/admin/units', 'nav.adminUnits'], ['#/admin/users', 'nav.adminUsers'], ['#/admin/calendar', 'nav.adminCalendar'], ['#/admin/certificates', 'nav.adminCertificates'], ['#/admin/breaches', 'nav.breaches']];
  const consoleNav = h('nav', { 'aria-label': t('admin.console') }, h('ul', { class: 'admin-links' }, links.map(([href, key]) => h('li', {}, h('a', { href, class: 'btn btn-secondary' }, t(key))))));
  view.append(pageTitle(t('admin.title')), consoleNav, card(h('p', { class: 'muted' }, t('admin.lead')), form));
}
