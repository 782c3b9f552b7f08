// Online submission: the shared wizard (../wizard.js) with the citizen's parts: step 1 prefilled
// from the profile and the latest earlier dossier, a choice of desk, and a declaration before
// submitting. `#/submit/<code>?dossier=<id>&step=<1-3>` resumes a draft where it stands.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { me } from '../session.js';
import { pageTitle, card, busy, setFlash, loadInto } from '../ui.js';
import { labelled, setFieldError } from '../forms.js';
import { applicantSchema, prefillFrom } from '../applicant.js';
import { levelBadge, units, nearestDesk } from '../levels.js';
import { latestEarlierDossier, prefillValues } from '../prefill.js';
import { dossierWizard } from '../wizard.js';

const myPage = (d) => `#/my/${encodeURIComponent(d.id)}`;

export async function render(view, { params, query }) {
  const body = h('div');
  view.append(body);
  await loadInto(body, async () => {
    const procedure = await get(`/api/procedures/${encodeURIComponent(params.code)}`, {}, { auth: false });
    const dossier = query.dossier ? await get(`/api/my/dossiers/${encodeURIComponent(query.dossier)}`) : null;
    let profile = me();
    try {
      profile = await get('/api/me');
    } catch {
      /* the stored profile will do for prefilling */
    }
    const desks = (await units().catch(() => [])).filter((u) => u.kind === 'desk');
    // A new draft is prefilled from my latest earlier dossier too (a failure just means no prefill).
    const earlier = dossier ? null : await latestEarlierDossier().catch(() => null);
    return { procedure, dossier, profile, desks, earlier };
  }, (data) => show(body, data, query));
}

function show(body, { procedure, dossier, profile, desks, earlier }, query) {
  body.append(
    h('nav', { class: 'breadcrumb', 'aria-label': t('nav.breadcrumb') },
      h('a', { href: '#/' }, t('nav.home')), ' / ',
      h('a', { href: `#/procedures/${encodeURIComponent(procedure.code)}` }, procedure.code), ' / ', t('submit.title')),
    pageTitle(t('submit.title'), h('p', { class: 'lead' }, procedure.name, ' ', levelBadge(procedure.level))));
  if (procedure.level === 'not_online') {
    body.append(card(h('p', {}, t('procedure.notOnline'))));
    return;
  }
  const who = { ...prefillFrom(profile), ...(profile?.profile || {}) };
  const pre1 = prefillValues(applicantSchema(), { profile: who, earlierData: earlier?.applicant });
  const pre2 = prefillValues(procedure.form_schema || { type: 'object' }, { profile: who, earlierData: earlier?.form_data });
  dossierWizard(body, {
    route: `#/submit/${encodeURIComponent(procedure.code)}`,
    api: '/api/my/dossiers',
    procedure,
    dossier,
    step: query.step,
    desks,
    // Where to file it: any desk of the province (NĐ 118/2025); the one nearest the agency by default.
    values: { applicant: pre1.values, form: pre2.values, desk: nearestDesk(desks, procedure.lead_agency)?.code || '' },
    prefill: { applicant: pre1.sources, form: pre2.sources, earlierCode: earlier?.code },
    doneHash: myPage,
    finish: ({ dossier: d, back }) => {
      const confirm = labelled(t('submit.declaration'), h('input', { type: 'checkbox', name: 'declaration' }), { required: true });
      const send = h('button', { type: 'button', class: 'btn btn-primary btn-large', id: 'submit-dossier' }, t('submit.send'));
      send.addEventListener('click', async () => {
        if (!confirm.input.checked) {
          setFieldError(confirm, t('submit.declarationNeeded'));
          confirm.input.focus();
          return;
        }
        setFieldError(confirm, '');
        await busy(send, async () => {
          const done = await post(`/api/my/dossiers/${encodeURIComponent(d.id)}/submit`, {});
          setFlash(t('submit.done'));
          location.replace(myPage(done || d)); // Back from the dossier's page skips the wizard
        });
      });
      return card(confirm.wrap, h('div', { class: 'form-actions' }, back, send));
    },
  });
}
