"""The EventBridge schedule grammar the local event pump fires on (infra/schedule_expr.py)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from infra.schedule_expr import cron_matches, rate_seconds

pytestmark = pytest.mark.unit

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # a Monday; the week runs into December


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def fires(expression: str, start: datetime = MONDAY, days: int = 7) -> list[datetime]:
    """Every minute of `days` days from `start` at which the expression fires."""
    return [
        start + timedelta(minutes=m)
        for m in range(days * 24 * 60)
        if cron_matches(expression, start + timedelta(minutes=m))
    ]


def test_the_week_used_below_starts_on_a_monday() -> None:
    assert MONDAY.weekday() == 0


def test_each_field_compares_its_own_part_of_the_instant() -> None:
    expression = "cron(30 9 15 3 ? 2027)"
    assert cron_matches(expression, at(2027, 3, 15, 9, 30))
    assert not cron_matches(expression, at(2027, 3, 15, 9, 31))  # minute
    assert not cron_matches(expression, at(2027, 3, 15, 10, 30))  # hour
    assert not cron_matches(expression, at(2027, 3, 16, 9, 30))  # day of month
    assert not cron_matches(expression, at(2027, 4, 15, 9, 30))  # month
    assert not cron_matches(expression, at(2028, 3, 15, 9, 30))  # year


def test_the_instant_is_compared_in_utc() -> None:
    seven_in_vietnam = datetime(2026, 11, 30, 7, 0, tzinfo=VIETNAM)
    assert cron_matches("cron(0 0 ? * MON-FRI *)", seven_in_vietnam)
    assert not cron_matches("cron(0 7 ? * MON-FRI *)", seven_in_vietnam)


def test_star_and_question_mark() -> None:
    assert len(fires("cron(* * * * ? *)", days=1)) == 24 * 60
    assert len(fires("cron(0 12 ? * * *)")) == 7  # `?` in day-of-month, `*` in day-of-week


def test_ranges_lists_and_steps() -> None:
    assert [t.hour for t in fires("cron(0 1-3 * * ? *)", days=1)] == [1, 2, 3]
    assert [t.hour for t in fires("cron(0 1,5,23 * * ? *)", days=1)] == [1, 5, 23]
    assert [t.minute for t in fires("cron(*/15 0 * * ? *)", days=1)] == [0, 15, 30, 45]
    assert [t.minute for t in fires("cron(5/20 0 * * ? *)", days=1)] == [5, 25, 45]
    assert [t.minute for t in fires("cron(10-30/10 0 * * ? *)", days=1)] == [10, 20, 30]
    assert [t.minute for t in fires("cron(0,50-52 0 * * ? *)", days=1)] == [0, 50, 51, 52]


def test_day_of_week_counts_from_sunday_1_and_takes_names_in_any_case() -> None:
    weekdays = [t.strftime("%a") for t in fires("cron(0 0 ? * MON-FRI *)")]
    assert weekdays == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert [t.strftime("%a") for t in fires("cron(0 0 ? * 1 *)")] == ["Sun"]
    assert [t.strftime("%a") for t in fires("cron(0 0 ? * 2,7 *)")] == ["Mon", "Sat"]
    assert fires("cron(0 0 ? * mon-fri *)") == fires("cron(0 0 ? * 2-6 *)")


def test_month_names() -> None:
    assert cron_matches("cron(0 0 1 JAN ? *)", at(2027, 1, 1, 0, 0))
    assert not cron_matches("cron(0 0 1 JAN ? *)", at(2027, 2, 1, 0, 0))
    assert cron_matches("cron(*/15 1-3 1 JAN,JUL ? 2026)", at(2026, 7, 1, 2, 45))
    assert not cron_matches("cron(*/15 1-3 1 JAN ? *)", at(2026, 7, 1, 2, 45))
    assert cron_matches("cron(0 0 1 FEB-APR ? *)", at(2027, 3, 1, 0, 0))


def test_rates() -> None:
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(1 hour)") == 3600
    assert rate_seconds("rate(2 hours)") == 7200
    assert rate_seconds("rate(1 day)") == 86400
    assert rate_seconds(" rate(10 minutes) ") == 600
    assert rate_seconds("cron(0 0 ? * MON-FRI *)") is None  # not a rate: the pump reads it as cron


@pytest.mark.parametrize(
    "expression",
    [
        "0 0 * * ? *",  # no cron(...)
        "cron(0 0 * * ?)",  # five fields
        "cron(0 0 * * ? * *)",  # seven
        "cron(60 0 * * ? *)",  # minute out of range
        "cron(0 24 * * ? *)",  # hour
        "cron(0 0 32 * ? *)",  # day of month
        "cron(0 0 ? 13 * *)",  # month
        "cron(0 0 ? * 8 *)",  # day of week
        "cron(0 0 * * ? 1969)",  # year
        "cron(0 0 ? * FOO *)",  # unknown name
        "cron(0 0 1 MON ? *)",  # a day name in the month field
        "cron(*/0 0 * * ? *)",  # step 0
        "cron(*/x 0 * * ? *)",  # step not a number
        "cron(0 0 L * ? *)",  # L, W and # are not supported locally
        "cron(0 0 15W * ? *)",
        "cron(0 0 ? * 6L *)",
        "cron(0 0 ? * MON#2 *)",
        "cron(0 0 * * * *)",  # neither day field is `?` (EventBridge refuses it)
        "cron(0 0 ? * ? *)",  # both are
        "cron(? 0 * * ? *)",  # `?` outside the day fields
    ],
)
def test_invalid_cron_raises_whatever_the_instant(expression: str) -> None:
    for instant in (MONDAY, at(2026, 12, 1, 13, 37)):  # no short cut past the bad field
        with pytest.raises(ValueError):
            cron_matches(expression, instant)


@pytest.mark.parametrize(
    "expression",
    ["rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(5 seconds)", "rate(minutes)"],
)
def test_invalid_rate_raises(expression: str) -> None:
    with pytest.raises(ValueError):
        rate_seconds(expression)


def _app_schedules() -> dict[str, str]:
    """Handler name -> expression, as app.py registers them (what EventBridge is given)."""
    from chalice.app import ScheduledEventConfig

    import app

    return {
        s.name: str(s.schedule_expression)
        for s in app.app.event_sources
        if isinstance(s, ScheduledEventConfig)
    }


def _vietnam(instants: list[datetime]) -> Counter[tuple[str, str]]:
    """(weekday, HH:MM) in Asia/Ho_Chi_Minh -> how many times."""
    return Counter(
        (t.astimezone(VIETNAM).strftime("%a"), t.astimezone(VIETNAM).strftime("%H:%M"))
        for t in instants
    )


def test_the_app_s_schedules_fire_at_the_vietnam_times_their_docstrings_say() -> None:
    schedules = _app_schedules()
    assert set(schedules) == {
        "on_daily_digest",
        "on_reminders",
        "on_semiannual_report",
        "on_feedback_deadlines",
        "on_notifications",
        "on_retention",
        "on_breach_deadlines",
        "on_portal_sync_sweep",
        "on_portal_intake_pull",
        "on_portal_reconcile",
        "on_portal_catalogue",
    }, "a schedule was added or renamed: say here when it must fire"
    weekdays = ("Mon", "Tue", "Wed", "Thu", "Fri")

    # 07:00 Vietnam time (00:00 UTC) Monday to Friday
    digest = fires(schedules["on_daily_digest"])
    assert _vietnam(digest) == Counter({(d, "07:00"): 1 for d in weekdays})
    assert all((t.hour, t.minute) == (0, 0) for t in digest)

    # 08:30 Vietnam time (01:30 UTC) every day of the week
    reminders = fires(schedules["on_reminders"])
    assert _vietnam(reminders) == Counter({(d, "08:30"): 1 for d in (*weekdays, "Sat", "Sun")})

    # 08:00 Vietnam time (01:00 UTC) every day of June and November, never another month
    report = schedules["on_semiannual_report"]
    assert fires(report) == [at(2026, 11, 30, 1, 0)]  # the week crosses into December
    assert len(fires(report, at(2026, 6, 1, 0, 0), days=30)) == 30
    assert fires(report, at(2026, 7, 1, 0, 0), days=31) == []
    assert at(2026, 6, 20, 1, 0).astimezone(VIETNAM).hour == 8

    # hourly 07:15-17:15 Vietnam time, Monday to Saturday
    feedback = _vietnam(fires(schedules["on_feedback_deadlines"]))
    assert feedback == Counter(
        {(d, f"{h:02d}:15"): 1 for d in (*weekdays, "Sat") for h in range(7, 18)}
    )

    # 02:00 Vietnam time nightly = 19:00 UTC the day before
    retention = fires(schedules["on_retention"])
    assert _vietnam(retention) == Counter(
        {(d, "02:00"): 1 for d in ("Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon")}
    )
    assert all(t.hour == 19 for t in retention)

    # hourly at :05, every day (the 72 h breach deadline runs on weekends too)
    breach = fires(schedules["on_breach_deadlines"])
    assert len(breach) == 7 * 24 and {t.minute for t in breach} == {5}

    assert rate_seconds(schedules["on_notifications"]) == 60
    assert rate_seconds(schedules["on_portal_sync_sweep"]) == 300
    assert rate_seconds(schedules["on_portal_intake_pull"]) == 300

    # the national portal's nightly jobs: reconciliation 01:30, catalogue 03:00 Vietnam time
    nightly = ("Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon")
    for handler, hhmm in (("on_portal_reconcile", "01:30"), ("on_portal_catalogue", "03:00")):
        assert _vietnam(fires(schedules[handler])) == Counter({(d, hhmm): 1 for d in nightly})
