"""Filing for another and following a dossier as one of its parties (issue 20), one function per
action; the rules are chalicelib.domain.mandates'.

- `representation_for`: the representation a new draft records. The representative is the caller
  as VNeID vouched for them (name, ID number, birth date from the profile VNeID filled; a
  password account may not act for others); an organisation's own VNeID account files as its
  legal representative, always.
- `check_at_submission`: the same rule again at submission, with the papers attached (a written
  authorisation must be one of them) and the submission's date.
- `authorisation_document`: the document slot a written authorisation is uploaded into.
- `followed`, `load_followed`: the dossiers a citizen may follow, filed by them or naming them
  as a party (the `party` scope), read-only.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.domain.access import followed_by
from chalicelib.domain.calendar import VIETNAM_TZ
from chalicelib.domain.dossier import Applicant, AttachmentState, Dossier
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound
from chalicelib.domain.mandates import (
    AUTHORISATION_DOCUMENT,
    MandateKind,
    Party,
    Representation,
    check_mandate,
    needs_attachment,
)
from chalicelib.domain.permissions import Related, require
from chalicelib.domain.procedure import DocumentRequirement

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.domain.procedure import Procedure
    from chalicelib.services.container import Deps
    from chalicelib.services.models import RepresentationIn


AUTHORISATION = DocumentRequirement(
    id=AUTHORISATION_DOCUMENT,
    name="Giấy ủy quyền (bản chứng thực hoặc bản điện tử có chữ ký số)",
    form="certified_copy",
    required=True,
)


def _today(deps: Deps) -> date:
    return deps.clock().astimezone(VIETNAM_TZ).date()


def _birth(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _verified_profile(deps: Deps, actor: Actor) -> dict[str, Any]:
    profile = deps.store.get_profile(actor.sub) or {}
    if profile.get("identity_provider") != "vneid" or not profile.get("id_number"):
        raise Forbidden(
            "Để nộp hồ sơ thay cho người khác hoặc cho tổ chức, vui lòng đăng nhập bằng tài khoản "
            "định danh điện tử VNeID (người đại diện phải được xác thực danh tính).",
            "Sign in with VNeID to file for another person or an organisation.",
            code="representation_needs_vneid",
        )
    return profile


def verified_id(deps: Deps, actor: Actor) -> str | None:
    """The identity number VNeID vouched for (the caller's profile), or None."""
    profile = deps.store.get_profile(actor.sub) or {}
    if profile.get("identity_provider") != "vneid":
        return None
    number = profile.get("id_number")
    return str(number) if number else None


def representation_for(
    deps: Deps, actor: Actor, req: RepresentationIn | None, proc: Procedure
) -> Representation | None:
    """What a new draft records (see the module doc); None when the caller files for themselves."""
    if actor.role != "citizen":
        return None
    organisation = getattr(actor, "account_kind", "person") == "organisation"
    if req is None and not organisation:
        return None
    profile = _verified_profile(deps, actor)
    if organisation:
        legal = profile.get("legal_representative") or {}
        if req is not None and req.kind is not MandateKind.LEGAL_REPRESENTATIVE:
            raise InvalidInput(
                "Tài khoản của tổ chức nộp hồ sơ của chính tổ chức đó.",
                "An organisation's account files for the organisation itself.",
                field="representation.kind",
            )
        rep = Representation(
            kind=MandateKind.LEGAL_REPRESENTATIVE,
            representative=Party(name=legal.get("name", ""), id_number=legal.get("id_number", "")),
            represented=Party(
                kind="organisation", name=str(profile["name"]), id_number=str(profile["id_number"])
            ),
            basis="organisation_account",
        )
    else:
        assert req is not None
        rep = Representation(
            kind=req.kind,
            representative=Party(
                name=str(profile.get("name") or ""),
                id_number=str(profile["id_number"]),
                birth_date=_birth(profile.get("birth_date")),
            ),
            **req.model_dump(exclude={"kind"}),
        )
    check_mandate(
        rep,
        procedure_code=proc.code,
        today=_today(deps),
        personal_only=() if proc.representation_allowed else (proc.code,),
        representative_birth=rep.representative.birth_date,
    )
    return rep


def applicant_for(applicant: Applicant, rep: Representation | None) -> Applicant:
    """The applicant (chủ hồ sơ) is the represented party: its name and number, with the contact
    details the representative typed."""
    if rep is None:
        return applicant
    return applicant.model_copy(
        update={"name": rep.represented.name, "id_number": rep.represented.id_number}
    )


def check_at_submission(deps: Deps, d: Dossier, proc: Procedure) -> None:
    """The mandate still holds today, with the papers attached (see the module doc)."""
    if d.representation is None:
        return
    accepted = {a.document_id for a in d.attachments if a.state is AttachmentState.ACCEPTED}
    check_mandate(
        d.representation,
        procedure_code=d.procedure_code,
        today=_today(deps),
        attached=accepted,
        personal_only=() if proc.representation_allowed else (proc.code,),
        representative_birth=d.representation.representative.birth_date,
    )


def authorisation_document(d: Dossier, document_id: str) -> DocumentRequirement | None:
    """The written authorisation's slot, for a dossier whose representation needs one."""
    if document_id == AUTHORISATION_DOCUMENT and needs_attachment(d.representation):
        return AUTHORISATION
    return None


def followed(deps: Deps, actor: Actor) -> list[Dossier]:
    """Dossiers the caller filed, and filed dossiers whose representation names them (by the
    number VNeID vouched for), newest first, each once."""
    mine = deps.store.list_owner_dossiers(actor.sub)
    number = verified_id(deps, actor)
    named = deps.store.find_dossiers_by_party(number) if number else []
    seen: dict[str, Dossier] = {d.id: d for d in mine}
    for d in named:
        if d.id not in seen and followed_by(d, actor, number):
            seen[d.id] = d
    return sorted(seen.values(), key=lambda d: d.created_at, reverse=True)


def load_followed(deps: Deps, actor: Actor, dossier_id: str) -> Dossier:
    """One dossier the caller may follow (`dossier.party.read`); another's is 404."""
    missing = NotFound("Không tìm thấy hồ sơ.", "Dossier not found.", field="id")
    try:
        d = deps.store.get_dossier(dossier_id)
    except NotFound:
        raise missing from None
    mine = d.owner is not None and d.owner == actor.sub
    party = not mine and followed_by(d, actor, verified_id(deps, actor))
    require(actor, "dossier.party.read", Related.party_of(d.owner, party), otherwise=missing)
    return d
