"""Pure rules of issue 10: consent state, retention periods and index months, tombstones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import consents as c
from chalicelib.domain import retention as r
from chalicelib.domain.dossier import Applicant, Attachment, Dossier
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.statuses import DossierStatus
from chalicelib.services.privacy.privacy_breach import deadline_state

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _rec(kind: str, given: bool, at: str) -> dict[str, object]:
    return c.record(kind, given, c.TEXTS[kind], at, "web", "congdan")


def test_latest_record_is_the_state_and_withdrawal_wins_a_tie() -> None:
    recs = [
        _rec("sms_notifications", True, "2026-01-01T00:00:00+00:00"),
        _rec("sms_notifications", False, "2026-01-02T00:00:00+00:00"),
        _rec("share_with_related_services", True, "2026-01-03T00:00:00+00:00"),
    ]
    assert not c.is_given(recs, "sms_notifications")
    assert c.is_given(recs, "share_with_related_services")
    tie = [
        _rec("sms_notifications", False, "2026-01-05T00:00:00+00:00"),
        _rec("sms_notifications", True, "2026-01-05T00:00:00+00:00"),
    ]
    assert not c.is_given(tie, "sms_notifications")


def test_record_keeps_version_hash_and_channel() -> None:
    rec = _rec("sms_notifications", True, "2026-01-01T00:00:00+00:00")
    assert rec["text_version"] == c.TEXTS["sms_notifications"].version
    assert rec["text_sha256"] == c.TEXTS["sms_notifications"].sha256
    assert rec["channel"] == "web"
    with pytest.raises(InvalidInput):
        c.record("sms_notifications", True, c.TEXTS["sms_notifications"], "x", "fax", "u")
    with pytest.raises(InvalidInput):
        c.check_version(c.TEXTS["sms_notifications"], "old")
    with pytest.raises(InvalidInput):
        c.text_for("marketing", c.TEXTS)


def test_face_records_read_in_the_same_shape() -> None:
    face = c.from_face_record({"action": "withdrawn", "at": "2026-01-01T00:00:00+00:00"})
    assert face["kind"] == "face_registration" and face["given"] is False


def _dossier(status: DossierStatus, **kw: object) -> Dossier:
    base: dict[str, object] = {
        "id": "d1",
        "code": "H33.50-260301-0001",
        "procedure_code": "2.001610",
        "procedure_version": 1,
        "owner": "sub-1",
        "applicant": Applicant(name="Nguyễn Văn An", id_number="093090001234", phone="0901234567"),
        "form_data": {"ten": "x"},
        "status": status,
        "receiving_unit": "H33.50",
        "lead_agency": "H33.05",
        "created_at": T0 - timedelta(days=10),
        "received_at": T0 - timedelta(days=9),
        "attachments": [Attachment(id="a", document_id="x", filename="a.pdf", key="k")],
    }
    base.update(kw)
    return Dossier.model_validate(base)


def test_retention_periods_by_class_and_outcome() -> None:
    table = r.periods()
    returned = _dossier(DossierStatus.RETURNED, returned_at=T0)
    assert r.retention_until(returned, "Thành lập và hoạt động doanh nghiệp", table) == T0.replace(
        year=2036
    )
    assert r.retention_until(returned, "Đất đai", table) == T0.replace(year=2046)
    assert r.retention_until(returned, "Hộ tịch", table) is None  # permanent
    refused = _dossier(DossierStatus.REFUSED, finished_at=T0)
    assert r.retention_until(refused, "Đất đai", table) == T0.replace(year=2031)
    assert r.retention_until(_dossier(DossierStatus.PROCESSING), None, table) is None  # open
    custom = r.periods('{"*": 3, "~ended": 1}')
    assert r.retention_until(returned, None, custom) == T0.replace(year=2029)
    with pytest.raises(ValueError):
        r.periods('{"*": -1}')


def test_leap_day_and_index_month_in_vietnam_time() -> None:
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert r.add_years(leap, 1) == datetime(2029, 2, 28, 12, tzinfo=UTC)
    assert r.expiry_month(datetime(2030, 1, 31, 18, tzinfo=UTC)) == "2030-02"  # 01:00 VN
    assert r.months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert r.months_between("2026-03", "2026-02") == []
    assert r.month_minus("2026-01", 2) == "2025-11"


def test_tombstone_keeps_statistics_and_drops_personal_data() -> None:
    d = _dossier(DossierStatus.RETURNED, returned_at=T0, retention_until=T0)
    stone = r.tombstone(d, T0 + timedelta(days=1))
    assert stone.code == d.code and stone.status == d.status and stone.received_at == d.received_at
    assert stone.owner is None and stone.applicant.id_number == "" and stone.form_data == {}
    assert stone.attachments == [] and stone.tombstoned_at is not None
    assert r.tombstone_summary(d)["code"] == d.code


def test_breach_deadline_states() -> None:
    b = {"state": "open", "deadline_at": "2026-03-04T02:00:00Z"}
    deadline = datetime(2026, 3, 4, 2, tzinfo=UTC)
    assert deadline_state(b, deadline - timedelta(hours=30), 24) == "open"
    assert deadline_state(b, deadline - timedelta(hours=23), 24) == "due_soon"
    assert deadline_state(b, deadline, 24) == "overdue"
    assert deadline_state({**b, "state": "reported"}, deadline, 24) == "reported"
