"""The reminder rule (chalicelib/domain/reminders.py): which reminders are due for a dossier.

December 2026: Fri 4, Mon 7, Tue 8, Wed 9, Thu 10, Fri 11, Sat 12, Sun 13, Mon 14.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Applicant, Dossier, Pause, ResultDocument
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.reminders import (
    KINDS,
    check_preferences,
    due_reminders,
    remind_on,
    reminder_key,
    turned_off,
)
from chalicelib.domain.statuses import DossierStatus as S

CAL = WorkingCalendar()


def vn(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A 2026 wall time in Vietnam (UTC+7) as a UTC instant."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def dossier(status: S, **fields: Any) -> Dossier:
    base: dict[str, Any] = {
        "id": "d1",
        "code": "H33.50-261201-0001",
        "procedure_code": "2.001610",
        "procedure_version": 1,
        "owner": "sub-1",
        "applicant": Applicant(name="Nguyễn Văn An"),
        "status": status,
        "receiving_unit": "H33.50",
        "lead_agency": "H33.03",
        "created_at": vn(12, 1, 8),
        "received_at": vn(12, 1, 9),
    }
    base.update(fields)
    return Dossier(**base)


def waiting(status: S, due: datetime, since: datetime) -> Dossier:
    kind = "fee" if status is S.AWAITING_FEE else "supplement"
    return dossier(
        status,
        supplement_due_at=due,
        pauses=[Pause(start=since, reason="chờ", kind=kind)],
        appointment_at=vn(12, 30, 17),
    )


def test_one_working_day_before_a_thursday_is_wednesday() -> None:
    assert remind_on(CAL, vn(12, 10, 10), 1) == date(2026, 12, 9)


def test_the_weekend_does_not_count_one_day_before_monday_is_friday() -> None:
    assert remind_on(CAL, vn(12, 14, 10), 1) == date(2026, 12, 11)


def test_two_working_days_before_tuesday_is_the_friday_before() -> None:
    assert remind_on(CAL, vn(12, 15, 16), 2) == date(2026, 12, 11)


def test_a_holiday_moves_the_reminder_day_earlier() -> None:
    cal = WorkingCalendar(extra_holidays=frozenset({date(2026, 12, 11)}))
    assert remind_on(cal, vn(12, 14, 10), 1) == date(2026, 12, 10)


def test_lead_zero_on_a_weekend_deadline_is_the_friday() -> None:
    assert remind_on(CAL, vn(12, 13, 10), 0) == date(2026, 12, 11)


def test_appointment_reminder_is_due_from_the_start_of_its_day_in_vietnam() -> None:
    d = dossier(S.PROCESSING, appointment_at=vn(12, 10, 10))
    # Wed 9/12 00:00 Vietnam time is Tue 8/12 17:00 UTC: due; one minute earlier: not yet
    assert due_reminders(d, vn(12, 9, 0, 0) - timedelta(minutes=1), CAL) == []
    [r] = due_reminders(d, vn(12, 9, 0, 0), CAL)
    assert (r.kind, r.deadline, r.remind_on) == ("appointment", vn(12, 10, 10), date(2026, 12, 9))


def test_a_missed_run_still_reminds_before_the_deadline_never_after() -> None:
    d = dossier(S.RECEIVED, appointment_at=vn(12, 10, 10))
    assert [r.kind for r in due_reminders(d, vn(12, 10, 9, 59), CAL)] == ["appointment"]
    assert due_reminders(d, vn(12, 10, 10, 0), CAL) == []


@pytest.mark.parametrize("status", [S.NEW, S.PROCESSED, S.RETURNED, S.WITHDRAWN, S.STOPPED])
def test_no_appointment_reminder_outside_received_and_processing(status: S) -> None:
    d = dossier(status, appointment_at=vn(12, 10, 10))
    assert due_reminders(d, vn(12, 9, 8), CAL) == []


def test_supplement_reminder_two_working_days_before_its_deadline() -> None:
    d = waiting(S.SUPPLEMENT_REQUESTED, due=vn(12, 15, 16), since=vn(12, 1, 10))
    assert due_reminders(d, vn(12, 10, 23), CAL) == []  # Thu: three working days before
    [r] = due_reminders(d, vn(12, 11, 8), CAL)  # Fri: two working days before Tue
    assert (r.kind, r.deadline) == ("supplement", vn(12, 15, 16))


def test_the_desk_s_guidance_before_receipt_has_no_deadline_reminder() -> None:
    d = dossier(S.SUPPLEMENT_REQUESTED, received_at=None, supplement_due_at=vn(12, 15, 16))
    assert due_reminders(d, vn(12, 14, 8), CAL) == []


def test_fee_reminder_uses_the_fee_deadline_and_not_the_paused_appointment() -> None:
    d = waiting(S.AWAITING_FEE, due=vn(12, 10, 17), since=vn(12, 1, 10))
    assert [(r.kind, r.deadline) for r in due_reminders(d, vn(12, 8, 9), CAL)] == [
        ("fee", vn(12, 10, 17))
    ]


def test_a_wait_that_began_on_the_reminder_day_or_later_gets_no_reminder() -> None:
    d = waiting(S.AWAITING_FEE, due=vn(12, 10, 17), since=vn(12, 8, 9))  # told on Tue 8/12
    assert due_reminders(d, vn(12, 8, 15), CAL) == []
    assert due_reminders(d, vn(12, 9, 8), CAL) == []


def test_a_kind_turned_off_is_not_due_and_others_stay_on() -> None:
    fee = waiting(S.AWAITING_FEE, due=vn(12, 10, 17), since=vn(12, 1, 10))
    appointment = dossier(S.PROCESSING, appointment_at=vn(12, 10, 10))
    off = turned_off({"fee": False, "appointment": True})
    assert off == frozenset({"fee"})
    assert due_reminders(fee, vn(12, 9, 8), CAL, turned_off=off) == []
    assert len(due_reminders(appointment, vn(12, 9, 8), CAL, turned_off=off)) == 1


def test_the_key_is_stable_and_a_moved_deadline_is_a_new_reminder() -> None:
    d = dossier(S.PROCESSING, appointment_at=vn(12, 10, 10))
    first = due_reminders(d, vn(12, 9, 8), CAL)[0].key
    again = due_reminders(d, vn(12, 10, 8), CAL)[0].key
    assert first == again == reminder_key("d1", "appointment", vn(12, 10, 10))
    moved = dossier(S.PROCESSING, appointment_at=vn(12, 11, 10))
    assert due_reminders(moved, vn(12, 10, 8), CAL)[0].key != first


def test_a_longer_lead_from_settings_is_honoured() -> None:
    d = dossier(S.PROCESSING, appointment_at=vn(12, 10, 10))
    assert due_reminders(d, vn(12, 8, 8), CAL) == []
    assert len(due_reminders(d, vn(12, 8, 8), CAL, lead={"appointment": 2})) == 1


def test_preferences_default_on_and_refuse_an_unknown_kind() -> None:
    assert check_preferences({"fee": False}) == {
        "appointment": True,
        "supplement": True,
        "fee": False,
        "expiry": True,
    }
    assert turned_off(None) == frozenset()
    with pytest.raises(InvalidInput) as err:
        check_preferences({"birthday": False})
    assert err.value.field == "birthday"
    assert set(KINDS) == {"appointment", "supplement", "fee", "expiry"}


def _licence(status: S, valid_until: datetime) -> Dossier:
    result = ResultDocument(
        id="r1",
        key="results/d1/r1/gp.pdf",
        filename="gp.pdf",
        sha256="0" * 64,
        valid_until=valid_until,
    )
    return dossier(status, result=result, finished_at=vn(6, 1, 9))


def test_a_licence_is_reminded_twenty_working_days_before_it_expires() -> None:
    # Wed 30/12/2026: 20 working days before is Wed 2/12 (no holiday between)
    d = _licence(S.RETURNED, vn(12, 30, 17))
    assert due_reminders(d, vn(12, 1, 9), CAL) == []
    [r] = due_reminders(d, vn(12, 2, 9), CAL)
    assert (r.kind, r.deadline, r.remind_on) == ("expiry", vn(12, 30, 17), date(2026, 12, 2))
    assert due_reminders(d, vn(12, 30, 17), CAL) == []  # expired: too late


def test_no_expiry_reminder_without_a_validity_or_before_the_result() -> None:
    assert due_reminders(dossier(S.RETURNED), vn(12, 2, 9), CAL) == []
    assert due_reminders(_licence(S.PROCESSING, vn(12, 30, 17)), vn(12, 2, 9), CAL) == []
    assert due_reminders(_licence(S.PROCESSED, vn(12, 30, 17)), vn(12, 2, 9), CAL) != []
