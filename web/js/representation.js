// Filing for another (issue 20): the citizen signed in with VNeID files for a minor child (parent)
// or under a written authorisation (giấy ủy quyền) from a person or a business. The API checks
// the mandate (chalicelib/domain/mandates.py) and records it; the representative is the signed-in
// citizen as VNeID vouched for them, so only the represented party is typed here. The
// authorisation paper itself is uploaded at step 2 (the dossier then asks for its own slot).
import { h } from './dom.js';
import { t } from './i18n.js';
import { labelled, setFieldError } from './forms.js';

const ALL_PROCEDURES = '*';

/** The "Nộp thay cho người khác" fieldset; `value()` is the API's `representation`. */
export function representationFields(procedureCode = '') {
  const choice = (value, text, checked = false) => {
    const radio = h('input', { type: 'radio', name: 'rep_mode', id: `rep-mode-${value}`, value, checked });
    return { radio, wrap: h('div', { class: 'field-check' }, radio, h('label', { for: `rep-mode-${value}` }, text)) };
  };
  const self = choice('self', t('rep.forSelf'), true);
  const child = choice('parent', t('rep.forChild'));
  const authorised = choice('authorised', t('rep.forAuthorised'));
  // the parent case
  const name = labelled(t('rep.childName'), h('input', { type: 'text', name: 'rep_name', maxlength: 200 }), { required: true, id: 'rep-name' });
  const idNumber = labelled(t('rep.childId'), h('input', { type: 'text', name: 'rep_id', inputmode: 'numeric', maxlength: 12 }), { required: true, id: 'rep-id', hint: t('rep.childIdHint') });
  const birth = labelled(t('rep.childBirth'), h('input', { type: 'date', name: 'rep_birth' }), { required: true, id: 'rep-birth' });
  const ref = labelled(t('rep.birthCertificate'), h('input', { type: 'text', name: 'rep_ref', maxlength: 100 }), { required: true, id: 'rep-ref', hint: t('rep.birthCertificateHint') });
  const childBox = h('div', { id: 'rep-details', hidden: true }, name.wrap, idNumber.wrap, birth.wrap, ref.wrap);
  // the written authorisation
  const authKind = labelled(t('rep.authKind'), h('select', { name: 'rep_auth_kind' },
    h('option', { value: 'person' }, t('rep.authKindPerson')),
    h('option', { value: 'organisation' }, t('rep.authKindOrganisation'))), { required: true, id: 'rep-auth-kind' });
  const authName = labelled(t('rep.authName'), h('input', { type: 'text', name: 'rep_auth_name', maxlength: 200 }), { required: true, id: 'rep-auth-name' });
  const authId = labelled(t('rep.authId'), h('input', { type: 'text', name: 'rep_auth_id', inputmode: 'numeric', maxlength: 14 }), { required: true, id: 'rep-auth-id', hint: t('rep.authIdHint') });
  const from = labelled(t('rep.validFrom'), h('input', { type: 'date', name: 'rep_from' }), { required: true, id: 'rep-from' });
  const until = labelled(t('rep.validUntil'), h('input', { type: 'date', name: 'rep_until' }), { required: true, id: 'rep-until' });
  const authRef = labelled(t('rep.authRef'), h('input', { type: 'text', name: 'rep_auth_ref', maxlength: 100 }), { id: 'rep-auth-ref', hint: t('rep.authRefHint') });
  const scope = labelled(t('rep.scope'), h('select', { name: 'rep_scope' },
    h('option', { value: 'this' }, t('rep.scopeThis', { code: procedureCode })),
    h('option', { value: ALL_PROCEDURES }, t('rep.scopeAll'))), { required: true, id: 'rep-scope' });
  const certified = labelled(t('rep.certified'), h('input', { type: 'checkbox', name: 'rep_certified' }), { id: 'rep-certified', hint: t('rep.certifiedHint') });
  const authBox = h('div', { id: 'rep-auth-details', hidden: true },
    authKind.wrap, authName.wrap, authId.wrap, from.wrap, until.wrap, authRef.wrap, scope.wrap, certified.wrap,
    h('p', { class: 'notice-box', id: 'rep-auth-paper' }, t('rep.authPaper')));
  const mode = () => [self, child, authorised].find((c) => c.radio.checked)?.radio.value || 'self';
  const all = [name, idNumber, birth, ref, authKind, authName, authId, from, until, authRef, scope, certified];
  const clear = () => all.forEach((f) => setFieldError(f, ''));
  const sync = () => {
    childBox.hidden = mode() !== 'parent';
    authBox.hidden = mode() !== 'authorised';
  };
  for (const c of [self, child, authorised]) c.radio.addEventListener('change', () => { clear(); sync(); });
  const element = h('fieldset', { id: 'representation' },
    h('legend', {}, t('rep.legend')),
    self.wrap, child.wrap, authorised.wrap,
    childBox, authBox);
  // the API's field (after "representation.") -> the control it is about, for each case
  const fieldsFor = () => (mode() === 'parent'
    ? { 'represented.name': name, 'represented.id_number': idNumber, 'represented.birth_date': birth, basis_ref: ref }
    : {
      'represented.kind': authKind, 'represented.name': authName, 'represented.id_number': authId,
      valid_from: from, valid_until: until, basis_ref: authRef, procedures: scope, certified,
    });
  return {
    element,
    value() {
      clear();
      if (mode() === 'parent') {
        return {
          kind: 'parent',
          represented: { kind: 'person', name: name.input.value.trim(), id_number: idNumber.input.value.trim(), birth_date: birth.input.value || null },
          basis: 'birth_certificate',
          basis_ref: ref.input.value.trim(),
        };
      }
      if (mode() === 'authorised') {
        return {
          kind: 'authorised',
          represented: { kind: authKind.input.value, name: authName.input.value.trim(), id_number: authId.input.value.trim() },
          basis: 'authorisation',
          basis_ref: authRef.input.value.trim(),
          valid_from: from.input.value || null,
          valid_until: until.input.value || null,
          procedures: [scope.input.value === ALL_PROCEDURES ? ALL_PROCEDURES : procedureCode],
          certified: certified.input.checked,
        };
      }
      return undefined;
    },
    /** Show the API's message under the field it names (`representation.<field>`); false if none fits. */
    setError(field, message) {
      const key = String(field || '').replace(/^representation\./, '');
      const target = fieldsFor()[key];
      if (!target) return false;
      setFieldError(target, message);
      target.input.focus();
      return true;
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
