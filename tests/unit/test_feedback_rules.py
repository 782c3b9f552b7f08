"""Feedback (PAKN) rules: the state machine, working-day deadlines, counting and redaction."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import feedback as fbr
from chalicelib.domain.calendar import WorkingCalendar, default_calendar
from chalicelib.domain.errors import Conflict, IllegalTransition, InvalidInput

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = default_calendar()
DL = fbr.FeedbackDeadlines()


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def make(at: datetime, consent: bool = True, cal: WorkingCalendar = CAL) -> fbr.Feedback:
    return fbr.create(
        feedback_id="f1",
        code=fbr.new_code(at, cal, rand="ABC234"),
        subject="Hồ sơ chậm",
        content="Hồ sơ của tôi đã quá hạn mà chưa có kết quả.",
        channel="online",
        category="dossier",
        agency="H33.03",
        received_at=at,
        calendar=cal,
        deadlines=DL,
        actor="congdan",
        actor_role="citizen",
        sender="sub-1",
        sender_name="Nguyễn Văn An",
        publish_consent=consent,
    )


def test_code_and_accept_deadline_over_a_weekend() -> None:
    fb = make(vn(2026, 3, 5, 10, 0))  # Thursday
    assert fb.code == "PA-260305-ABC234"
    assert fb.state == "received" and fb.due_step == "accept"
    assert fb.due_at == vn(2026, 3, 9, 10, 0)  # Friday + Monday: the weekend does not count


def test_accept_deadline_over_the_april_holidays() -> None:
    fb = make(vn(2026, 4, 28, 9, 0))  # Tuesday; 30/4 and 1/5 are holidays, then a weekend
    assert fb.due_at == vn(2026, 5, 4, 9, 0)


def test_deadlines_are_settings() -> None:
    dl = fbr.FeedbackDeadlines.from_settings(
        None, env={"FEEDBACK_ACCEPT_WORKING_DAYS": "3", "FEEDBACK_ANSWER_WORKING_DAYS": "10"}
    )
    assert (dl.accept_days, dl.request_info_days, dl.answer_days, dl.publish_days) == (3, 5, 10, 2)

    class S:
        feedback_publish_working_days = 1
        warn_before_working_days = 0

    dl2 = fbr.FeedbackDeadlines.from_settings(S(), env={})
    assert dl2.publish_days == 1 and dl2.warn_before_days == 0 and dl2.accept_days == 2


def test_full_path_with_more_info_pause_and_publication() -> None:
    fb = make(vn(2026, 3, 2, 8, 0))  # Monday
    fb = fbr.accept(fb, vn(2026, 3, 3, 8, 0), CAL, DL, actor="sokhdt", role="agency")
    assert fb.state == "accepted" and fb.due_step == "answer"
    assert fb.due_at == CAL.add_working_days(vn(2026, 3, 3, 8, 0), 15)
    assert fb.request_info_due_at == vn(2026, 3, 10, 8, 0)  # 5 working days
    answer_due = fb.due_at
    fb = fbr.request_info(fb, vn(2026, 3, 4, 8, 0), "Xin cung cấp mã hồ sơ.")
    assert fb.state == "more_info_requested" and fb.is_paused and fb.is_open
    with pytest.raises(IllegalTransition):
        fbr.answer(fb, vn(2026, 3, 4, 9, 0), "Trả lời khi đang chờ bổ sung", CAL, DL)
    # the sender answers two working days later (over a weekend): the answer due moves by that
    fb = fbr.provide_info(fb, vn(2026, 3, 6, 8, 0), "Mã hồ sơ H33.03-260301-0001", CAL)
    assert fb.state == "info_provided" and fb.due_at is not None and answer_due is not None
    assert CAL.working_seconds_between(answer_due, fb.due_at) == 2 * CAL.day_seconds
    fb = fbr.answer(fb, vn(2026, 3, 9, 9, 0), "Hồ sơ đã được xử lý xong.", CAL, DL, actor="x")
    assert fb.state == "answered" and fb.due_step == "publish"
    assert fb.due_at == vn(2026, 3, 11, 9, 0)
    before = fb
    fb = fbr.publish(fb, vn(2026, 3, 10, 9, 0))
    assert fb.state == "published" and fb.due_at is None and not fb.is_open
    assert fbr.counter_metrics(before, fb) == {
        "feedback_handled": 1,
        "feedback_handled_on_time": 1,
    }
    with pytest.raises(Conflict):  # once per cycle
        fbr.request_info(
            fbr.reopen(fb, vn(2026, 3, 11, 9, 0), "Chưa thỏa đáng", CAL, DL).model_copy(
                update={"info_requested_cycle": 2}
            ),
            vn(2026, 3, 11, 10, 0),
            "Lần nữa",
        )


def test_refuse_late_counts_handled_not_on_time() -> None:
    fb = make(vn(2026, 3, 2, 8, 0))
    with pytest.raises(InvalidInput):
        fbr.refuse(fb, vn(2026, 3, 2, 9, 0), "  ")
    late = fbr.refuse(fb, vn(2026, 3, 5, 9, 0), "Không thuộc thẩm quyền")
    assert late.state == "refused" and late.cycle_late and late.late_steps == ["1:accept"]
    assert fbr.counter_metrics(fb, late) == {"feedback_handled": 1}
    with pytest.raises(IllegalTransition):
        fbr.accept(late, vn(2026, 3, 5, 10, 0), CAL, DL)


def test_answer_without_consent_is_handled_and_cannot_be_published() -> None:
    fb = fbr.accept(make(vn(2026, 3, 2, 8, 0), consent=False), vn(2026, 3, 2, 9, 0), CAL, DL)
    answered = fbr.answer(fb, vn(2026, 3, 3, 9, 0), "Nội dung trả lời đầy đủ.", CAL, DL)
    assert answered.due_at is None and not answered.is_open
    assert fbr.counter_metrics(fb, answered)["feedback_handled"] == 1
    with pytest.raises(Conflict):
        fbr.publish(answered, vn(2026, 3, 3, 10, 0))


def test_rate_once_per_answer_and_reopen_once() -> None:
    fb = fbr.accept(make(vn(2026, 3, 2, 8, 0), consent=False), vn(2026, 3, 2, 9, 0), CAL, DL)
    with pytest.raises(IllegalTransition):
        fbr.rate(fb, vn(2026, 3, 2, 10, 0), True)
    answered = fbr.answer(fb, vn(2026, 3, 3, 9, 0), "Nội dung trả lời đầy đủ.", CAL, DL)
    rated = fbr.rate(answered, vn(2026, 3, 3, 10, 0), False)
    assert fbr.counter_metrics(answered, rated) == {"feedback_rated": 1}
    with pytest.raises(Conflict) as exc:
        fbr.rate(rated, vn(2026, 3, 3, 11, 0), True)
    assert exc.value.code == "already_rated"
    reopened = fbr.reopen(rated, vn(2026, 3, 4, 9, 0), "Chưa giải quyết dứt điểm", CAL, DL)
    assert reopened.state == "accepted" and reopened.cycle == 2 and reopened.due_step == "answer"
    assert reopened.due_at == CAL.add_working_days(vn(2026, 3, 4, 9, 0), 15)
    again = fbr.answer(reopened, vn(2026, 3, 5, 9, 0), "Trả lời lần hai chi tiết.", CAL, DL)
    rated2 = fbr.rate(again, vn(2026, 3, 5, 10, 0), True)  # a new answer may be rated
    assert fbr.counter_metrics(again, rated2) == {"feedback_rated": 1, "feedback_satisfied": 1}
    with pytest.raises(Conflict) as exc:
        fbr.reopen(rated2, vn(2026, 3, 6, 9, 0), "Lại nữa", CAL, DL)
    assert exc.value.code == "reopen_once"


def test_alarms_once_per_step_and_none_while_paused() -> None:
    fb = make(vn(2026, 3, 2, 8, 0))  # accept due Wed 4/3 08:00
    assert fbr.alarm_due(fb, vn(2026, 3, 2, 9, 0), CAL, DL) is None
    assert fbr.alarm_due(fb, vn(2026, 3, 3, 9, 0), CAL, DL) == "due_soon"
    warned = fbr.mark_alarm(fb, "due_soon")
    assert fbr.alarm_due(warned, vn(2026, 3, 3, 10, 0), CAL, DL) is None
    assert fbr.alarm_due(warned, vn(2026, 3, 4, 9, 0), CAL, DL) == "overdue"
    overdue = fbr.mark_alarm(warned, "overdue")
    assert fbr.alarm_due(overdue, vn(2026, 3, 9, 9, 0), CAL, DL) is None
    acc = fbr.accept(overdue, vn(2026, 3, 4, 9, 0), CAL, DL)
    paused = fbr.request_info(acc, vn(2026, 3, 4, 10, 0), "Cần thêm thông tin")
    assert fbr.alarm_due(paused, vn(2026, 6, 1, 9, 0), CAL, DL) is None


def test_province_holiday_moves_the_deadline() -> None:
    cal = WorkingCalendar(extra_holidays=frozenset({datetime(2026, 3, 3).date()}))
    fb = make(vn(2026, 3, 2, 10, 0), cal=cal)  # Monday; Tuesday closed by the province
    assert fb.due_at == vn(2026, 3, 5, 10, 0)


def test_redaction_removes_personal_data() -> None:
    text = (
        "Tôi là Nguyễn Văn An, CCCD 093090001234, điện thoại 0912 345 678, "
        "email an.nguyen@gmail.com, ở 12 Trần Hưng Đạo, Vị Thanh. NGUYỄN VĂN AN xin hỏi. Văn An."
    )
    out = fbr.redact(text, names=["Nguyễn Văn An"], extra=["12 Trần Hưng Đạo, Vị Thanh"])
    for secret in ("093090001234", "0912 345 678", "an.nguyen@gmail.com", "Văn An", "Trần Hưng"):
        assert secret not in out
    assert "Nguyễn V** A*" in out and "V** A*." in out
    assert "1234" in out  # the masks keep a recognisable tail, as masking.py does


def test_publish_stores_only_redacted_text_and_search_ignores_accents() -> None:
    fb = make(vn(2026, 3, 2, 8, 0))
    fb = fb.model_copy(update={"content": "Tôi là Nguyễn Văn An, số 0912345678, hỏi về đất đai."})
    fb = fbr.accept(fb, vn(2026, 3, 2, 9, 0), CAL, DL)
    fb = fbr.answer(fb, vn(2026, 3, 3, 9, 0), "Ông Nguyễn Văn An liên hệ bộ phận một cửa.", CAL, DL)
    pub = fbr.publish(fb, vn(2026, 3, 3, 10, 0))
    entry = fbr.public_view(pub)
    assert "0912345678" not in entry["question"] and "Văn An" not in entry["answer"]
    assert "sender" not in entry and "contact" not in entry
    assert fbr.matches(entry, "dat dai") and fbr.matches(entry, "MỘT CỬA")
    assert not fbr.matches(entry, "hộ tịch")
