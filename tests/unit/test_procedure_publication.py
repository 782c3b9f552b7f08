"""Completeness, timeliness and the change request's life (pure rules, no AWS)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.errors import IllegalTransition
from chalicelib.domain.procedure import Procedure
from chalicelib.domain.procedure_publication import (
    ProcedureChange,
    ProcedureIncomplete,
    build_version,
    check_complete,
    completeness_problems,
    published_on_time,
)

UNITS = {"H33.02", "H33.20", "H33.03"}


def draft(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": "9.000001",
        "name": "Cấp phiếu lý lịch tư pháp",
        "field": "Tư pháp",
        "level": "full_online",
        "lead_agency": "H33.02",
        "documents": [{"id": "to-khai", "name": "Tờ khai"}],
        "fees": [{"name": "Phí", "amount_vnd": 200000}],
        "processing_time": {"amount": 10, "unit": "working_days"},
        "steps": [
            {"id": "a", "name": "Tiếp nhận", "agency": "H33.02", "allowance": {"amount": 2}},
            {"id": "b", "name": "Xác minh", "agency": "H33.20", "allowance": {"amount": 6}},
            {"id": "c", "name": "Ký", "agency": "H33.02", "allowance": {"amount": 2}},
        ],
    }
    base.update(over)
    return base


def fields_of(d: dict[str, Any], **kw: Any) -> list[str]:
    return [p.field for p in completeness_problems(d, units=UNITS, **kw)]


def test_complete_draft_has_no_problems() -> None:
    assert completeness_problems(draft(), units=UNITS) == []
    check_complete(draft(), units=UNITS)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"steps": []}, "steps"),
        ({"processing_time": None}, "processing_time"),
        ({"documents": []}, "documents"),
        ({"lead_agency": "H99"}, "lead_agency"),
        ({"lead_agency": ""}, "lead_agency"),
    ],
)
def test_each_missing_part_is_named(change: dict[str, Any], field: str) -> None:
    assert fields_of(draft(**change)) == [field]


def test_missing_keys_count_as_missing() -> None:
    d = draft()
    for key in ("steps", "processing_time", "documents", "fees"):
        del d[key]
    assert fields_of(d) == ["steps", "processing_time", "documents", "fees"]


def test_step_needs_agency_and_allowance_and_known_agency() -> None:
    d = draft()
    del d["steps"][0]["agency"]
    del d["steps"][1]["allowance"]
    d["steps"][2]["agency"] = "H77.01"
    assert fields_of(d) == ["steps.0.agency", "steps.1.allowance", "steps.2.agency"]


def test_fees_rule_empty_list_only_when_marked_free() -> None:
    free_draft = draft(fees=[])
    assert fields_of(free_draft) == ["fees"]
    assert fields_of(free_draft, free=True) == []
    # Free but charging something is a contradiction.
    assert fields_of(draft(), free=True) == ["fees"]
    # Not declaring fees at all is never "free by default".
    undeclared = draft()
    del undeclared["fees"]
    assert fields_of(undeclared, free=True) == ["fees"]


def test_allowances_must_fit_processing_time() -> None:
    assert fields_of(draft(processing_time={"amount": 9})) == ["steps"]
    problem = completeness_problems(draft(processing_time={"amount": 9}), units=UNITS)[0]
    assert "vượt thời hạn" in problem.message_vi


def test_parallel_group_counts_its_longest_step() -> None:
    d = draft(processing_time={"amount": 8})
    # b and c run in parallel (stage 2): 2 + max(6, 2) = 8 days fits 8 days.
    d["steps"][1]["stage"] = 2
    d["steps"][2]["stage"] = 2
    assert fields_of(d) == []
    d["steps"][2]["allowance"] = {"amount": 7}
    assert fields_of(d) == ["steps"]


def test_hours_and_days_compare_through_the_day_length() -> None:
    d = draft(
        processing_time={"amount": 1, "unit": "working_days"},
        steps=[
            {
                "id": "a",
                "name": "x",
                "agency": "H33.02",
                "allowance": {"amount": 8, "unit": "working_hours"},
            }
        ],
    )
    assert fields_of(d) == []
    assert fields_of(d, hours_per_day=7.5) == ["steps"]


def test_incomplete_error_is_422_with_first_field_and_all_problems() -> None:
    d = draft(documents=[], lead_agency="H99")
    with pytest.raises(ProcedureIncomplete) as caught:
        check_complete(d, units=UNITS)
    err = caught.value
    assert err.status == 422
    assert err.code == "procedure_incomplete"
    assert err.field == "documents"
    body = err.to_body()
    assert [p["field"] for p in body["problems"]] == ["documents", "lead_agency"]
    assert all(p["message"] for p in body["problems"])


@pytest.mark.parametrize(
    ("published_at", "on_time"),
    [
        (datetime(2026, 12, 1, 16, 59, tzinfo=UTC), True),  # 23:59 on 1/12 in Vietnam
        (datetime(2026, 12, 1, 17, 0, tzinfo=UTC), False),  # 00:00 on 2/12 in Vietnam
        (datetime(2026, 11, 20, 3, 0, tzinfo=UTC), True),
        (datetime(2026, 11, 30, 18, 0, tzinfo=UTC), True),  # 01:00 on 1/12 in Vietnam
    ],
)
def test_published_on_time_uses_vietnam_dates(published_at: datetime, on_time: bool) -> None:
    assert published_on_time(date(2026, 12, 1), published_at) is on_time


def _change(**over: Any) -> ProcedureChange:
    base: dict[str, Any] = {
        "id": "c1",
        "kind": "amended",
        "procedure_code": "9.000001",
        "draft": draft(),
        "legal_basis": "Quyết định số 123/QĐ-UBND ngày 20/11/2026",
        "effective_date": date(2026, 12, 1),
        "lead_agency": "H33.02",
        "proposed_by": "sotuphap",
        "proposed_at": datetime(2026, 11, 20, tzinfo=UTC),
    }
    base.update(over)
    return ProcedureChange(**base)


def test_state_machine_proposed_to_published_once() -> None:
    c = _change()
    at = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    done = c.published(by="vpubnd", at=at, version=2)
    assert (done.state, done.published_version, done.on_time) == ("published", 2, False)
    with pytest.raises(IllegalTransition):
        done.published(by="vpubnd", at=at, version=3)
    with pytest.raises(IllegalTransition):
        done.rejected(by="vpubnd", at=at, reason="Muộn rồi")


def test_state_machine_proposed_to_rejected_is_final() -> None:
    c = _change().rejected(by="vpubnd", at=datetime(2026, 11, 21, tzinfo=UTC), reason="Thiếu")
    assert c.state == "rejected"
    assert c.reason == "Thiếu"
    with pytest.raises(IllegalTransition):
        c.published(by="vpubnd", at=datetime(2026, 11, 22, tzinfo=UTC), version=2)


def test_draft_required_except_for_repeal() -> None:
    with pytest.raises(ValueError):
        _change(draft=None)
    with pytest.raises(ValueError):
        _change(kind="repealed")
    assert _change(kind="repealed", draft=None).draft is None


def test_build_version_overrides_identity_and_publication_fields() -> None:
    d = copy.deepcopy(draft(version=7, state="repealed"))
    at = datetime(2026, 11, 25, tzinfo=UTC)
    proc = build_version(_change(draft=d), version=2, published_at=at, current=None)
    assert (proc.version, proc.state, proc.published_at) == (2, "published", at)
    assert proc.effective_date == date(2026, 12, 1)
    repeal = build_version(
        _change(kind="repealed", draft=None), version=3, published_at=at, current=proc
    )
    assert isinstance(repeal, Procedure)
    assert (repeal.version, repeal.state, repeal.steps) == (3, "repealed", proc.steps)
