"""Officials are named on papers by their full name, recorded when they act (issue 25: the
receipt was signed "motcua"); the history keeps the username."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.dossier import HistoryEvent, person_name, record_people

pytestmark = pytest.mark.unit

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def event(actor: str, name: str | None, role: str = "desk") -> HistoryEvent:
    return HistoryEvent(at=AT, actor=actor, actor_role=role, actor_name=name, action="received")


def test_a_name_is_recorded_once_so_a_later_rename_does_not_rewrite_the_papers() -> None:
    people = record_people({}, [event("motcua", "Lê Thị Mai"), event("congdan", None, "citizen")])
    assert people == {"motcua": "Lê Thị Mai"}  # the citizen is the applicant, not listed
    renamed = record_people(people, [event("motcua", "Lê Thị Mai Anh"), event("sokhdt", "Võ Hà")])
    assert renamed == {"motcua": "Lê Thị Mai", "sokhdt": "Võ Hà"}
    assert people == {"motcua": "Lê Thị Mai"}  # a new mapping; the old one is untouched


def test_person_name_never_prints_a_known_official_by_login() -> None:
    people = {"motcua": "Lê Thị Mai"}
    assert person_name("motcua", people) == "Lê Thị Mai"
    assert person_name("system", people) == "Hệ thống"
    assert person_name("applicant", people) == "Chủ hồ sơ"
    units = {"H33.03": "Sở Kế hoạch và Đầu tư"}
    assert person_name("api:H33.03:AKIA1", people, units) == (
        "Hệ thống phần mềm của Sở Kế hoạch và Đầu tư"
    )
    assert person_name("ai-do", people) == "ai-do"  # unknown: what we have
    assert person_name(None, people) == ""
