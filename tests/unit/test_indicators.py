"""QĐ 766 indicator formulas on hand-computed examples, with the shipped weights and thresholds.

Every expected number below is worked out by hand from `data/indicators.json`:
weight x min(1, ratio / full_at).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain import indicators as ind
from chalicelib.services.reporting.indicators import load_config

pytestmark = pytest.mark.unit

CFG = load_config()

# A complete month of one agency: counters plus the extra counts other modules will supply.
FULL: dict[str, int] = {
    "received": 50,
    "received_channel_1": 28,
    "received_channel_2": 20,
    "received_channel_3": 2,
    "processed": 20,
    "processed_on_time": 18,
    "processed_late": 2,
    "in_progress_on_time": 5,
    "in_progress_late": 0,
    "synced": 45,
    "procedures_published_on_time_complete": 8,
    "procedures_published": 10,
    "procedures_online": 6,
    "procedures_total": 10,
    "paid_online": 3,
    "fee_dossiers": 12,
    "electronic_result": 10,
    "digitised": 30,
    "reused": 10,
    "feedback_handled_on_time": 3,
    "feedback_handled": 4,
    "rated_dissatisfied": 1,
    "with_feedback": 2,
}


def _one(indicator_id: str, metrics: dict[str, int]) -> ind.IndicatorResult:
    return ind.evaluate_indicator(CFG.indicator(indicator_id), metrics)


# ------------------------------------------------------------------ one test per indicator


@pytest.mark.parametrize(
    ("indicator_id", "numerator", "denominator", "ratio", "points"),
    [
        ("synced", 45, 50, 0.9, 8.1),  # 9 x 0.9
        ("procedures_published", 8, 10, 0.8, 7.2),  # 9 x 0.8
        ("on_time", 23, 25, 0.92, 18.4),  # (18 + 5) / (18 + 2 + 5 + 0); 20 x 0.92
        ("online_dossiers", 20, 50, 0.4, 4.8),  # full at 50%: 6 x 0.4 / 0.5
        ("online_procedures", 6, 10, 0.6, 4.5),  # full at 80%: 6 x 0.6 / 0.8
        ("online_payment", 3, 12, 0.25, 2.5),  # 10 x 0.25
        ("electronic_results", 10, 20, 0.5, 4.0),  # 8 x 0.5
        ("digitised", 30, 50, 0.6, 5.25),  # full at 80%: 7 x 0.6 / 0.8
        ("reuse", 10, 50, 0.2, 1.75),  # full at 80%: 7 x 0.2 / 0.8
        ("feedback_on_time", 3, 4, 0.75, 6.75),  # 9 x 0.75
        ("satisfied", 15, 20, 0.75, 7.5),  # (20 - 1 - 2 - 2) / 20; full at 90%: 9 x 0.75 / 0.9
    ],
)
def test_indicator_on_hand_computed_example(
    indicator_id: str, numerator: int, denominator: int, ratio: float, points: float
) -> None:
    r = _one(indicator_id, FULL)
    assert r.available is True
    assert (r.numerator, r.denominator) == (numerator, denominator)
    assert r.ratio == pytest.approx(ratio)
    assert r.points == pytest.approx(points)
    assert r.missing == [] and r.partial == []


def test_online_dossiers_above_threshold_is_capped_at_full_points() -> None:
    r = _one("online_dossiers", {**FULL, "received_channel_2": 30})  # 60% > 50%
    assert r.ratio == pytest.approx(0.6)
    assert r.points == pytest.approx(6.0)


def test_group_totals_and_grand_total() -> None:
    report = ind.evaluate(CFG, FULL, scope="agency:X", months=["2026-10"])
    groups = {g.id: g.points for g in report.groups}
    assert groups == pytest.approx(
        {
            "publicity": 15.3,
            "progress": 18.4,
            "online": 9.3,
            "payment": 2.5,
            "digitisation": 11.0,
            "satisfaction": 14.25,
        }
    )
    assert report.points == pytest.approx(70.75)
    assert report.available_weight == 100
    assert report.score == pytest.approx(70.75)
    assert report.complete is True and report.missing == []
    assert [g.weight for g in report.groups] == [18, 20, 12, 10, 22, 18]


def test_shipped_weights_add_up_to_one_hundred() -> None:
    assert CFG.total_weight == pytest.approx(100)


# ------------------------------------------------------------------------ edge cases


def test_supplement_time_is_excluded_from_on_time() -> None:
    """Finished after the original appointment but within it once the pause is added: on time."""
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.domain.deadlines import shift_for_pauses
    from chalicelib.domain.dossier import Pause

    cal = default_calendar()
    appointment = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)  # Thu 17:00 Vietnam
    pause = Pause(
        start=datetime(2026, 11, 16, 2, 0, tzinfo=UTC),  # Mon 09:00
        end=datetime(2026, 11, 17, 2, 0, tzinfo=UTC),  # Tue 09:00: one working day paused
        reason="bổ sung",
    )
    finished = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # Fri 10:00: after the appointment
    due = shift_for_pauses(appointment, [pause], cal, finished)
    assert due == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # Fri 17:00
    assert ind.counts_as_late(finished_at=finished, due_at=appointment) is True
    assert ind.counts_as_late(finished_at=finished, due_at=due, supplement_count=1) is False
    assert ind.outcome_metric(finished_at=finished, due_at=due, supplement_count=1) == (
        "processed_on_time"
    )


def test_a_second_supplement_counts_as_late_even_when_early() -> None:
    due = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    early = due - timedelta(days=3)
    assert ind.counts_as_late(finished_at=early, due_at=due, supplement_count=1) is False
    assert ind.counts_as_late(finished_at=early, due_at=due, supplement_count=2) is True
    assert ind.outcome_metric(finished_at=early, due_at=due, supplement_count=2) == (
        "processed_late"
    )
    # the limit is configuration
    assert (
        ind.counts_as_late(
            finished_at=early, due_at=due, supplement_count=2, max_supplements_on_time=2
        )
        is False
    )
    assert CFG.max_supplements_on_time == 1


def test_finishing_exactly_on_the_due_instant_is_on_time() -> None:
    due = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert ind.counts_as_late(finished_at=due, due_at=due) is False
    assert ind.counts_as_late(finished_at=due + timedelta(seconds=1), due_at=due) is True
    with pytest.raises(ValueError):
        ind.counts_as_late(finished_at=datetime(2026, 1, 1), due_at=due)


def test_zero_denominator_scores_full_where_the_rules_say_so() -> None:
    r = _one("on_time", {"processed_on_time": 0, "processed_late": 0})
    assert r.available is True
    assert r.zero_denominator is True
    assert r.ratio is None
    assert r.points == 20
    assert r.partial == ["in_progress_late", "in_progress_on_time"]


def _config(zero: str, rule: dict[str, Any] | None = None) -> ind.IndicatorConfig:
    return ind.IndicatorConfig.model_validate(
        {
            "groups": [
                {
                    "id": "g",
                    "indicators": [
                        {
                            "id": "a",
                            "weight": 60,
                            "numerator": ["n"],
                            "denominator": ["d"],
                            "zero_denominator": zero,
                            "rule": rule or {"shape": "linear", "full_at": 1.0},
                        },
                        {"id": "b", "weight": 40, "numerator": ["x"], "denominator": ["y"]},
                    ],
                }
            ]
        }
    )


def test_zero_denominator_zero_and_not_available_modes() -> None:
    zero = ind.evaluate_indicator(_config("zero").indicator("a"), {"n": 0, "d": 0})
    assert (zero.available, zero.points, zero.zero_denominator) == (True, 0.0, True)
    na = ind.evaluate_indicator(_config("na").indicator("a"), {"n": 0, "d": 0})
    assert (na.available, na.points) == (False, None)


def test_missing_input_is_not_available_and_the_total_is_scaled_and_flagged() -> None:
    # only the counters exist: no synced, paid, digitised or feedback data yet
    counters = {
        "received": 10,
        "received_channel_2": 5,
        "processed": 4,
        "processed_on_time": 3,
        "processed_late": 1,
        "procedures_online": 4,
        "procedures_total": 5,
    }
    report = ind.evaluate(CFG, counters)
    available = [i.id for g in report.groups for i in g.indicators if i.available]
    assert available == ["on_time", "online_dossiers", "online_procedures"]
    synced = report.groups[0].indicators[0]
    assert (synced.available, synced.points, synced.ratio) == (False, None, None)
    assert synced.missing == ["synced"]
    # on time 3/4 -> 15; online 5/10 (full at 50%) -> 6; procedures 4/5 (full at 80%) -> 6
    assert report.points == pytest.approx(27.0)
    assert report.available_weight == 32
    assert report.score == pytest.approx(27 * 100 / 32, abs=0.01)
    assert report.complete is False
    assert "synced" in report.missing and "on_time" not in report.missing
    progress = report.groups[1]
    assert (progress.points, progress.score, progress.complete) == (15.0, 15.0, True)
    publicity = report.groups[0]
    assert (publicity.available_weight, publicity.score) == (0, None)


def test_nothing_available_gives_no_score() -> None:
    report = ind.evaluate(CFG, {})
    assert report.score is None
    assert report.points == 0
    assert report.complete is False
    # without counters even on-time is unknown: its processed_* terms are required
    assert "on_time" in report.missing


def test_an_agency_with_no_dossiers_has_no_data_not_full_points() -> None:
    # GIVEN an agency that leads procedures but had no dossier in the month: every counter is 0
    # (counter_metrics fills them), the catalogue still counts its procedures
    idle = {**ind.counter_metrics([]), "procedures_online": 2, "procedures_total": 2}
    report = ind.evaluate(CFG, idle, scope="agency:H33.15", months=["2026-10"])
    # THEN it has no score at all, for the total and for every group: not 100, not 0
    assert report.no_data is True
    assert report.score is None
    assert all(g.score is None for g in report.groups)
    # and "nothing to fail" earns no points where the zero-denominator rule would give them
    on_time = report.groups[1].indicators[0]
    assert (on_time.id, on_time.zero_denominator, on_time.points) == ("on_time", True, None)
    # the catalogue figure is a real one and stays as it is
    online = next(i for g in report.groups for i in g.indicators if i.id == "online_procedures")
    assert online.points == 6


def test_one_dossier_is_data() -> None:
    one = {**ind.counter_metrics([]), "received": 1, "received_channel_2": 1}
    assert ind.has_dossiers(one) is True
    report = ind.evaluate(CFG, one)
    assert report.no_data is False and report.score is not None
    # a dossier finished this month but received earlier is data too
    assert ind.has_dossiers({"processed": 1, "processed_on_time": 1}) is True
    assert ind.has_dossiers({"in_progress_on_time": 2}) is True
    assert ind.has_dossiers({"procedures_total": 5, "synced": 0}) is False


def test_a_subtraction_formula_never_goes_below_zero() -> None:
    r = _one("satisfied", {**FULL, "rated_dissatisfied": 30})
    assert r.numerator == 0
    assert r.points == 0


def test_ratio_is_capped_at_one() -> None:
    r = _one("synced", {"synced": 60, "received": 50})
    assert r.ratio == 1.0 and r.points == 9


# --------------------------------------------------------------------------- thresholds


def test_linear_threshold_full_at_and_zero_below() -> None:
    rule = ind.ThresholdRule(shape="linear", full_at=0.8, zero_below=0.3)
    assert rule.fraction(0.8) == 1.0
    assert rule.fraction(0.95) == 1.0
    assert rule.fraction(0.4) == pytest.approx(0.5)
    assert rule.fraction(0.29) == 0.0


def test_banded_threshold() -> None:
    rule = ind.ThresholdRule(shape="bands", bands=((0.5, 0.5), (0.9, 1.0), (0.7, 0.75)))
    assert rule.fraction(0.95) == 1.0
    assert rule.fraction(0.7) == 0.75
    assert rule.fraction(0.6) == 0.5
    assert rule.fraction(0.1) == 0.0
    cfg = _config("full", {"shape": "bands", "bands": [[0.9, 1.0], [0.5, 0.5]]})
    r = ind.evaluate_indicator(cfg.indicator("a"), {"n": 6, "d": 10})
    assert r.points == pytest.approx(30.0)  # 60 x 0.5


def test_bad_configuration_is_rejected() -> None:
    with pytest.raises(ValueError, match="not 100"):
        ind.IndicatorConfig.model_validate(
            {
                "groups": [
                    {
                        "id": "g",
                        "indicators": [
                            {"id": "a", "weight": 50, "numerator": ["n"], "denominator": ["d"]}
                        ],
                    }
                ]
            }
        )
    with pytest.raises(ValueError):
        ind.Term.parse("2bad")
    with pytest.raises(ValueError):
        ind.ThresholdRule(shape="bands")


def test_terms_parse_sign_and_optional() -> None:
    assert ind.Term.parse("-?late") == ind.Term(metric="late", sign=-1, optional=True)
    assert ind.Term.parse("received") == ind.Term(metric="received")


def test_counter_metrics_fill_zeros_for_counters_only() -> None:
    out = ind.counter_metrics([{"received": 2}, {"received": 1, "processed_late": 1}])
    assert out["received"] == 3
    assert out["processed_late"] == 1
    assert out["processed_on_time"] == 0  # a counter that never moved is 0
    assert "synced" not in out  # an extra count stays unknown


# ------------------------------------------------------------------------------ periods


def test_period_helpers() -> None:
    assert ind.month_of(2026, 3) == ["2026-03"]
    assert ind.quarter_months(2026, 4) == ["2026-10", "2026-11", "2026-12"]
    assert ind.half_months(2026, 1) == [f"2026-{m:02d}" for m in range(1, 7)]
    assert ind.half_months(2026, 2)[0] == "2026-07"
    assert len(ind.year_months(2026)) == 12
    assert ind.month_range("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    from datetime import date

    assert ind.months_between(date(2026, 1, 31), date(2026, 3, 1)) == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]


@pytest.mark.parametrize(
    ("text", "first", "count"),
    [
        ("2026-03", "2026-03", 1),
        ("2026-q2", "2026-04", 3),
        ("2026-H2", "2026-07", 6),
        ("2026", "2026-01", 12),
        ("2025-12..2026-01", "2025-12", 2),
    ],
)
def test_parse_period(text: str, first: str, count: int) -> None:
    months = ind.parse_period(text)
    assert months[0] == first and len(months) == count


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26", "2026-05..2026-01", "x"])
def test_bad_periods_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        ind.parse_period(text)
