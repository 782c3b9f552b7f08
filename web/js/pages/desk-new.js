// The desk's walk-in entry (Tiếp nhận hồ sơ trực tiếp): choose the procedure (offline ones too),
// then the shared wizard (../wizard.js) on the desk's API: the applicant and e-form as the person
// gives them (no prefill from the clerk's own profile), the scans, and receiving it, after which
// the dossier's desk page shows its code and prints the receipt (form 01).
// `#/desk/new/<code>?dossier=<id>&step=<1-3>` resumes a paper draft where it stands.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { pageTitle, card, loadInto, empty, setFlash } from '../ui.js';
import { labelled, setFieldError } from '../forms.js';
import { act, errorSlot } from '../lifecycle.js';
import { levelBadge, levelLabel } from '../levels.js';
import { dossierWizard } from '../wizard.js';
import { feeChoice } from '../fee-choice.js';

const deskPage = (d, extra = '') => `#/desk/${encodeURIComponent(d.id)}${extra}`;

function breadcrumb(...rest) {
  return h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') },
    h('a', { href: '#/desk' }, t('desk.title')), ' / ', ...rest);
}

/** Step 0: which procedure the paper dossier is for (the catalogue, every level). */
function chooser(view, navigate) {
  const list = h('div');
  const q = h('input', { type: 'search', name: 'q', id: 'walkin-q', autocomplete: 'off' });
  const qField = labelled(t('walkin.find'), q);
  const search = h('button', { type: 'submit', class: 'btn btn-secondary btn-small' }, t('action.search'));
  const filter = h('form', { class: 'form inline-form', role: 'search', 'aria-label': t('walkin.find'), novalidate: true }, qField.wrap, h('div', { class: 'form-actions' }, search));
  const load = () => loadInto(list, () => get('/api/procedures', { q: q.value.trim() }, { auth: false }), (body) => {
    const items = body?.items || [];
    if (!items.length) return replace(list, empty(t('walkin.none')));
    const select = h('select', { name: 'procedure', id: 'walkin-procedure' },
      h('option', { value: '' }, t('form.choose')),
      items.map((p) => h('option', { value: p.code }, `${p.code} — ${p.name} (${levelLabel(p.level)})`)));
    const field = labelled(t('walkin.procedure'), select, { required: true });
    const start = h('button', { type: 'submit', class: 'btn btn-primary' }, t('walkin.start'));
    const form = h('form', { class: 'form', novalidate: true, id: 'walkin-choose' }, field.wrap, h('div', { class: 'form-actions' }, start));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      setFieldError(field, select.value ? '' : t('form.requiredChoose', { field: t('walkin.procedure') }));
      if (!select.value) return select.focus();
      return navigate(`#/desk/new/${encodeURIComponent(select.value)}`);
    });
    return replace(list, form);
  });
  filter.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  view.append(breadcrumb(t('desk.walkIn')), pageTitle(t('desk.walkIn'), h('p', { class: 'lead' }, t('walkin.lead'))), card(filter, list));
  return load();
}

/** The last step: receive it (the fee collected, or left owing), then its page with the receipt. */
function receive(procedure, { dossier: d, back }) {
  const fee = feeChoice(procedure);
  const accept = h('button', { type: 'button', class: 'btn btn-primary btn-large', id: 'accept' }, t('desk.accept'));
  const slot = errorSlot();
  accept.addEventListener('click', () => act(accept, slot, async () => {
    if (fee.problem()) return;
    const done = await post(`/api/desk/dossiers/${encodeURIComponent(d.id)}/accept`, fee.payload());
    setFlash(t('desk.accepted', { code: done.code || '' }));
    location.replace(deskPage(done, '?accepted=1')); // its page: the code, then "print the receipt"
  }));
  return card(fee.wrap, slot, h('div', { class: 'form-actions' }, back, accept));
}

export async function render(view, { params, query, navigate }) {
  if (!params.code) return chooser(view, navigate);
  const body = h('div');
  view.append(body);
  return loadInto(body, async () => ({
    procedure: await get(`/api/procedures/${encodeURIComponent(params.code)}`, {}, { auth: false }),
    dossier: query.dossier ? await get(`/api/desk/dossiers/${encodeURIComponent(query.dossier)}`) : null,
  }), ({ procedure, dossier }) => {
    body.append(
      breadcrumb(h('a', { href: '#/desk/new' }, t('desk.walkIn')), ' / ', procedure.code),
      pageTitle(t('desk.walkIn'), h('p', { class: 'lead' }, procedure.name, ' ', levelBadge(procedure.level)),
        !dossier && h('p', {}, h('a', { href: '#/desk/new', class: 'btn btn-secondary btn-small' }, t('walkin.other')))));
    dossierWizard(body, {
      route: `#/desk/new/${encodeURIComponent(procedure.code)}`,
      api: '/api/desk/dossiers',
      procedure,
      dossier,
      step: query.step,
      doneHash: (d) => deskPage(d),
      lastStep: 'walkin.step3',
      finish: (step) => receive(procedure, step),
    });
  });
}
