"""The permission table (chalicelib/domain/permissions.py): roles, scopes, and the errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chalicelib.domain import permissions as p
from chalicelib.domain.errors import Forbidden, NotFound

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Who:
    role: str
    unit: str | None = None
    sub: str = "me"


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> None:
    for action, perm in {
        "t.any": p.allow("desk agency"),
        "t.unit": p.allow("desk agency admin", p.Scope.SAME_UNIT, everywhere="admin"),
        "t.lead": p.allow("agency leader", p.Scope.LEAD_AGENCY),
        "t.owner": p.allow("citizen", p.Scope.OWNER),
        "t.owner_or_unit": p.allow("citizen agency", p.Scope.OWNER_OR_UNIT),
        "t.public": p.public(),
        "t.optional": p.allow(p.ANYONE, auth=p.Auth.OPTIONAL),
    }.items():
        monkeypatch.setitem(p.PERMISSIONS, action, perm)


@pytest.mark.usefixtures("table")
def test_roles_and_scopes() -> None:
    mine = p.Related.of(owner="me", units=["H33.50", None], lead="H33.03")
    theirs = p.Related.of(owner="you", units=["H33.30"], lead="H33.30")
    assert p.permits(Who("desk"), "t.any") and not p.permits(Who("leader"), "t.any")
    assert p.permits(Who("desk", "H33.50"), "t.unit", mine)
    assert not p.permits(Who("desk", "H33.50"), "t.unit", theirs)
    assert p.permits(Who("admin"), "t.unit", theirs)  # everywhere
    assert not p.permits(Who("desk", "H33.50"), "t.unit")  # a scoped action needs its record
    assert p.permits(Who("leader", "H33.03"), "t.lead", mine)
    assert not p.permits(Who("leader", "H33.50"), "t.lead", mine)  # involved, not the lead
    assert p.permits(Who("citizen"), "t.owner", mine)
    assert not p.permits(Who("citizen"), "t.owner", theirs)
    assert p.permits(Who("agency", "H33.50"), "t.owner_or_unit", mine)
    assert p.permits(Who("citizen"), "t.owner_or_unit", mine)
    assert not p.permits(Who("agency", "H33.50"), "t.owner_or_unit", theirs)


@pytest.mark.usefixtures("table")
def test_public_and_optional_actions_admit_nobody_signed_in() -> None:
    assert p.permits(None, "t.public") and p.permits(Who("citizen"), "t.public")
    assert p.permits(None, "t.optional")
    assert not p.permits(None, "t.any")


@pytest.mark.usefixtures("table")
def test_require_raises_the_domain_errors() -> None:
    with pytest.raises(Forbidden) as role:
        p.require(Who("citizen"), "t.any")
    assert role.value.code == "forbidden_role"
    with pytest.raises(Forbidden) as unit:
        p.require(Who("desk", "H33.50"), "t.unit", p.Related.of(units=["H33.30"]))
    assert unit.value.code == "forbidden_unit"
    hidden = NotFound("Không tìm thấy.", "Not found.")
    with pytest.raises(NotFound):
        p.require(Who("desk", "H33.50"), "t.unit", p.Related.of(units=["X"]), otherwise=hidden)
    p.require(Who("desk", "H33.50"), "t.unit", p.Related.of(units=["H33.50"]))


@pytest.mark.usefixtures("table")
def test_unrestricted_is_the_everywhere_roles_of_an_admitted_role_only() -> None:
    assert p.unrestricted(Who("admin"), "t.unit")
    assert not p.unrestricted(Who("desk", "H33.50"), "t.unit")  # scoped to its unit
    assert not p.unrestricted(Who("admin"), "t.any")  # no `everywhere` on that action
    assert not p.unrestricted(None, "t.unit")
    # `everywhere` never admits a role the table refuses
    p.PERMISSIONS["t.odd"] = p.allow("desk", p.Scope.SAME_UNIT, everywhere="admin")
    try:
        assert not p.unrestricted(Who("admin"), "t.odd")
    finally:
        del p.PERMISSIONS["t.odd"]


def test_feedback_scopes_from_the_table() -> None:
    """What the feedback service reads from the table (services/care/feedback.py `_staff_get`):
    staff read and handle their unit's; the province office reads every unit's but handles only
    its own; administrators read and handle every unit's."""
    other = p.Related.of(units=["H33.30"])
    own = p.Related.of(units=["H33.01"])
    province = Who("province", "H33.01")
    assert p.permits(province, "feedback.staff.read", other)
    assert not p.permits(province, "feedback.staff.handle", other)
    assert p.permits(province, "feedback.staff.handle", own)
    assert p.permits(Who("admin"), "feedback.staff.handle", other)
    assert not p.permits(Who("desk", "H33.01"), "feedback.staff.read", other)
    assert p.unrestricted(province, "feedback.staff.read")
    assert not p.unrestricted(Who("leader", "H33.30"), "feedback.staff.read")


def test_an_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(p.UnknownAction):
        p.permits(Who("admin"), "no.such.action")


def test_the_table_is_well_formed() -> None:
    known = set(p.ANYONE.split())
    systems = set(p.SYSTEMS.split())
    for action, perm in p.PERMISSIONS.items():
        assert action.count(".") >= 2, action
        assert perm.roles and perm.roles <= known | systems, action
        assert perm.everywhere <= perm.roles, action
        if perm.auth is p.Auth.BEARER:
            assert "anon" not in perm.roles, action
        # a system's role is admitted only through its own credentials, never a person's token
        assert (perm.auth is p.Auth.PORTAL) == bool(perm.roles & systems), action


def test_the_domain_module_is_pure() -> None:
    import ast
    from pathlib import Path

    source = Path(p.__file__).read_text(encoding="utf-8")
    imported = {
        (n.module or "") if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in (n.names if isinstance(n, ast.Import) else [n])  # type: ignore[attr-defined]
    }
    assert not {m for m in imported if m.split(".")[0] in {"chalice", "boto3", "botocore"}}
    assert not {m for m in imported if m.startswith(("chalicelib.api", "chalicelib.services"))}


def test_the_party_scope_admits_the_owner_and_the_representations_parties_only() -> None:
    action = "dossier.party.read"
    assert p.permits(Who("citizen", sub="me"), action, p.Related.party_of("me", False))
    assert p.permits(Who("citizen", sub="me"), action, p.Related.party_of("you", True))
    assert not p.permits(Who("citizen", sub="me"), action, p.Related.party_of("you", False))
    assert not p.permits(Who("citizen", sub="me"), action)  # never without the record
    assert not p.permits(Who("desk", "H33.50"), action, p.Related.party_of("you", True))
