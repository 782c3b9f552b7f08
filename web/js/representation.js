// Filing for another (issue 20): the citizen signed in with VNeID files for a minor child. The API
// checks the mandate (chalicelib/domain/mandates.py) and records it; the representative is the
// signed-in citizen as VNeID vouched for them, so only the represented child is typed here.
import { h } from './dom.js';
import { t } from './i18n.js';
import { labelled } from './forms.js';

/** The "Nộp thay cho con chưa thành niên" fieldset; `value()` is the API's `representation`. */
export function representationFields() {
  const box = h('input', { type: 'checkbox', name: 'for_child', id: 'rep-for-child' });
  const name = labelled(t('rep.childName'), h('input', { type: 'text', name: 'rep_name', maxlength: 200 }), { required: true, id: 'rep-name' });
  const idNumber = labelled(t('rep.childId'), h('input', { type: 'text', name: 'rep_id', inputmode: 'numeric', maxlength: 12 }), { required: true, id: 'rep-id', hint: t('rep.childIdHint') });
  const birth = labelled(t('rep.childBirth'), h('input', { type: 'date', name: 'rep_birth' }), { required: true, id: 'rep-birth' });
  const ref = labelled(t('rep.birthCertificate'), h('input', { type: 'text', name: 'rep_ref', maxlength: 100 }), { required: true, id: 'rep-ref', hint: t('rep.birthCertificateHint') });
  const details = h('div', { id: 'rep-details', hidden: true }, name.wrap, idNumber.wrap, birth.wrap, ref.wrap);
  box.addEventListener('change', () => { details.hidden = !box.checked; });
  const element = h('fieldset', { id: 'representation' },
    h('legend', {}, t('rep.legend')),
    labelled(t('rep.forChild'), box, { id: 'rep-for-child' }).wrap,
    details);
  return {
    element,
    value() {
      if (!box.checked) return undefined;
      return {
        kind: 'parent',
        represented: { kind: 'person', name: name.input.value.trim(), id_number: idNumber.input.value.trim(), birth_date: birth.input.value || null },
        basis: 'birth_certificate',
        basis_ref: ref.input.value.trim(),
      };
    },
  };
}

/** Facts rows for a dossier filed for another (pages for the citizen and for staff). */
export function representationRows(d) {
  const rep = d && d.representation;
  if (!rep) return [];
  return [
    [t('rep.representative'), rep.representative.name],
    [t('rep.represented'), rep.represented.name],
    [t('rep.basis'), d.representation_text || ''],
  ];
}
