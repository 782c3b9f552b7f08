"""Acting for another (domain/mandates.py): who may file for whom, for which procedures, with what
evidence; and who counts as a party of the dossier."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.domain.mandates import (
    AUTHORISATION_DOCUMENT,
    MandateKind,
    Party,
    Representation,
    age_on,
    check_mandate,
    is_party,
    needs_attachment,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 8)
PARENT = Party(name="Nguyễn Văn An", id_number="093090000123", birth_date=date(1990, 5, 12))
CHILD = Party(name="Nguyễn Minh Khang", id_number="093214000777", birth_date=date(2014, 3, 1))
BUSINESS = Party(kind="organisation", name="Công ty TNHH Sông Hậu", id_number="6300123456")


def parent_rep(**over: Any) -> Representation:
    base: dict[str, Any] = {
        "kind": MandateKind.PARENT,
        "representative": PARENT,
        "represented": CHILD,
        "basis": "birth_certificate",
        "basis_ref": "Số 12/2014, quyển 01",
    }
    return Representation.model_validate({**base, **over})


def authorised(**over: Any) -> Representation:
    base: dict[str, Any] = {
        "kind": MandateKind.AUTHORISED,
        "representative": PARENT,
        "represented": Party(name="Trần Thị Bình", id_number="093195000456"),
        "basis": "authorisation",
        "valid_from": date(2026, 12, 1),
        "valid_until": date(2027, 6, 1),
        "procedures": ["2.001610"],
        "certified": True,
    }
    return Representation.model_validate({**base, **over})


def check(rep: Representation, code: str = "2.001610", **kw: Any) -> None:
    check_mandate(rep, procedure_code=code, today=TODAY, **kw)


def test_a_parent_files_for_a_minor_child() -> None:
    check(parent_rep())  # no error


def test_age_counts_full_years_on_the_birthday() -> None:
    assert age_on(date(2008, 12, 8), TODAY) == 18
    assert age_on(date(2008, 12, 9), TODAY) == 17


def test_a_child_who_turned_18_today_needs_their_own_authorisation() -> None:
    adult = CHILD.model_copy(update={"birth_date": date(2008, 12, 8)})
    with pytest.raises(InvalidInput) as err:
        check(parent_rep(represented=adult))
    assert err.value.code == "mandate_adult"
    assert err.value.field == "representation.represented.birth_date"


def test_the_parent_rule_needs_the_childs_birth_date_and_the_relations_reference() -> None:
    with pytest.raises(InvalidInput) as err:
        check(parent_rep(represented=CHILD.model_copy(update={"birth_date": None})))
    assert err.value.field == "representation.represented.birth_date"
    with pytest.raises(InvalidInput) as err:
        check(parent_rep(basis_ref=""))
    assert err.value.field == "representation.basis_ref"


def test_a_minor_cannot_represent() -> None:
    with pytest.raises(InvalidInput) as err:
        check(parent_rep(), representative_birth=date(2010, 1, 1))
    assert err.value.field == "representation.representative.birth_date"


def test_nobody_represents_themselves() -> None:
    with pytest.raises(InvalidInput) as err:
        check(parent_rep(represented=PARENT.model_copy(update={"birth_date": date(2015, 1, 1)})))
    assert err.value.field == "representation.represented.id_number"


def test_the_basis_must_fit_the_kind() -> None:
    with pytest.raises(InvalidInput) as err:
        check(parent_rep(basis="registry"))
    assert err.value.field == "representation.basis"


def test_a_legal_representative_acts_for_an_organisation_only() -> None:
    rep = Representation(
        kind=MandateKind.LEGAL_REPRESENTATIVE,
        representative=PARENT,
        represented=BUSINESS,
        basis="registry",
    )
    check(rep)
    with pytest.raises(InvalidInput) as err:
        check(rep.model_copy(update={"represented": CHILD}))
    assert err.value.field == "representation.represented.kind"


def test_an_organisation_number_has_10_or_13_digits() -> None:
    bad = BUSINESS.model_copy(update={"id_number": "63001234"})
    rep = Representation(
        kind=MandateKind.LEGAL_REPRESENTATIVE,
        representative=PARENT,
        represented=bad,
        basis="registry",
    )
    with pytest.raises(InvalidInput) as err:
        check(rep)
    assert err.value.field == "representation.represented.id_number"
    check(
        rep.model_copy(
            update={"represented": bad.model_copy(update={"id_number": "6300123456-001"})}
        )
    )


def test_an_organisation_cannot_be_the_representative() -> None:
    rep = parent_rep(representative=BUSINESS)
    with pytest.raises(InvalidInput) as err:
        check(rep)
    assert err.value.field == "representation.representative.kind"


def test_a_written_authorisation_must_be_attached_at_submission() -> None:
    check(authorised())  # a draft: papers come later
    with pytest.raises(InvalidInput) as err:
        check(authorised(), attached=["giay-de-nghi"])
    assert err.value.code == "mandate_document_missing"
    check(authorised(), attached=["giay-de-nghi", AUTHORISATION_DOCUMENT])


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "code"),
    [
        (date(2026, 12, 9), date(2027, 1, 1), "mandate_not_in_force"),
        (date(2026, 1, 1), date(2026, 12, 7), "mandate_expired"),
    ],
)
def test_the_authorisation_is_in_force_on_the_filing_date(
    valid_from: date, valid_until: date, code: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        check(authorised(valid_from=valid_from, valid_until=valid_until))
    assert err.value.code == code


def test_the_last_day_of_the_authorisation_still_counts() -> None:
    check(authorised(valid_until=TODAY))


def test_the_authorisation_must_cover_the_procedure() -> None:
    with pytest.raises(Forbidden) as err:
        check(authorised(), code="1.004227")
    assert err.value.code == "mandate_not_covering"
    check(authorised(procedures=["*"]), code="1.004227")


def test_a_persons_authorisation_must_be_certified() -> None:
    with pytest.raises(InvalidInput) as err:
        check(authorised(certified=False))
    assert err.value.field == "representation.certified"


def test_a_procedure_done_in_person_cannot_be_filed_for_another() -> None:
    with pytest.raises(Forbidden) as err:
        check(parent_rep(), personal_only={"2.001610"})
    assert err.value.code == "mandate_not_covering"


def test_both_parties_and_nobody_else_follow_the_dossier() -> None:
    rep = parent_rep()
    assert is_party(rep, PARENT.id_number)
    assert is_party(rep, CHILD.id_number)
    assert not is_party(rep, "093195000456")
    assert not is_party(rep, "")
    assert not is_party(None, PARENT.id_number)


def test_only_an_authorisation_needs_a_paper() -> None:
    assert needs_attachment(authorised()) == AUTHORISATION_DOCUMENT
    assert needs_attachment(parent_rep()) is None
    assert needs_attachment(None) is None


def _dossier(status: Any, rep: Representation | None) -> Any:
    from datetime import UTC, datetime

    from chalicelib.domain.dossier import Applicant, Dossier

    return Dossier(
        id="d1",
        procedure_code="2.001610",
        procedure_version=1,
        owner="parent-sub",
        applicant=Applicant(name=CHILD.name, id_number=CHILD.id_number),
        representation=rep,
        status=status,
        receiving_unit="H33.50",
        lead_agency="H33.30",
        created_at=datetime(2026, 12, 8, tzinfo=UTC),
    )


def test_the_represented_party_follows_a_filed_dossier_never_a_draft() -> None:
    from dataclasses import dataclass

    from chalicelib.domain.access import followed_by
    from chalicelib.domain.statuses import DossierStatus

    @dataclass(frozen=True)
    class Who:
        sub: str
        role: str = "citizen"
        username: str = "x"
        unit: str | None = None

    filed = _dossier(DossierStatus.NEW, parent_rep())
    assert followed_by(filed, Who("parent-sub"), None)  # the owner, without any number
    assert followed_by(filed, Who("child-sub"), CHILD.id_number)
    assert not followed_by(filed, Who("child-sub"), None)  # an unverified number never counts
    assert not followed_by(filed, Who("other"), "093195000456")
    assert not followed_by(filed, Who("desk1", "desk", unit="H33.50"), CHILD.id_number)
    draft = _dossier(None, parent_rep())
    assert not followed_by(draft, Who("child-sub"), CHILD.id_number)
    assert not followed_by(_dossier(DossierStatus.NEW, None), Who("child-sub"), CHILD.id_number)


def test_retention_removes_both_parties_with_the_applicant() -> None:
    from datetime import UTC, datetime

    from chalicelib.domain.retention import tombstone
    from chalicelib.domain.statuses import DossierStatus

    stone = tombstone(
        _dossier(DossierStatus.RETURNED, parent_rep()), datetime(2040, 1, 1, tzinfo=UTC)
    )
    assert stone.representation is None
    assert CHILD.id_number not in stone.model_dump_json()
    assert PARENT.id_number not in stone.model_dump_json()
