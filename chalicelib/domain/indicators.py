"""QĐ 766/QĐ-TTg indicators as data-driven rules: ratios, points, group totals, grand total.

Pure: no boto3, no Chalice. The formulas, weights and thresholds are configuration
(`data/indicators.json`, loaded into `IndicatorConfig`) because the points and thresholds change
between texts and years (REGULATION.md marks them cfg).

Inputs are one flat mapping of metric name → count for a period and a scope (an agency, a procedure
field, the province): the monthly counters summed (`received`, `received_channel_2`,
`processed_on_time`, ...) plus extra counts other parts of the system will supply (`synced`,
`paid_online`, `digitised`, `feedback_on_time`, ...).

Missing data is never a zero. A formula term is either required (`metric`) or optional
(`?metric`). If a required metric is absent from the input the indicator is *not available*: it has
no ratio and no points, and it is left out of both the points earned and the points possible. The
totals therefore carry three numbers: `points` (earned on what is available), `available_weight`
(what those indicators could earn) and `score` (points scaled to the group's / grand total's full
weight, `points * weight / available_weight`), with `complete` false and `missing` naming what is
not available. Showing the scaled score next to the flag is the honest choice: counting a missing
indicator as zero would punish an agency for data the system does not collect yet, and counting
it as full would flatter it. An optional term that is absent counts as 0 and is listed in
`partial` (e.g. on-time dossiers still in progress, until the open-dossier snapshot supplies it).

Zero denominators follow the indicator's `zero_denominator` setting: `full` (nothing to fail: full
points, ratio reported as None), `zero`, or `na` (not available).

A scope with no dossiers in the period (every dossier counter zero: nothing submitted, received,
processed, refused, returned or in progress) has *no data*: `no_data` is true, the grand total and
every group have no score, and an indicator whose denominator is zero earns no points. Without
this, `full` gave an idle agency 100 points and ranked it above every agency that did work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# ------------------------------------------------------------------------- configuration

_TERM = re.compile(r"^(-?)(\??)([a-z][a-z0-9_]*)$")


class Term(BaseModel):
    """One signed metric in a numerator or denominator."""

    model_config = ConfigDict(frozen=True)

    metric: str
    sign: Literal[1, -1] = 1
    optional: bool = False

    @classmethod
    def parse(cls, text: str) -> Term:
        """`metric`, `-metric`, `?metric` or `-?metric` (see the module docstring)."""
        m = _TERM.match(text.strip())
        if m is None:
            raise ValueError(f"bad formula term {text!r}")
        return cls(metric=m.group(3), sign=-1 if m.group(1) else 1, optional=bool(m.group(2)))


class ThresholdRule(BaseModel):
    """How a ratio becomes a fraction of the weight.

    * `linear`: full at `full_at` or above, proportional below (`ratio / full_at`), and 0 below
      `zero_below` when set.
    * `bands`: the first band (sorted by `min_ratio`, highest first) whose `min_ratio` the ratio
      reaches gives its `fraction`; none reached gives 0.
    """

    model_config = ConfigDict(frozen=True)

    shape: Literal["linear", "bands"] = "linear"
    full_at: float = Field(default=1.0, gt=0, le=1)
    zero_below: float | None = Field(default=None, ge=0, le=1)
    bands: tuple[tuple[float, float], ...] = ()  # (min_ratio, fraction of the weight)

    @model_validator(mode="after")
    def _consistent(self) -> ThresholdRule:
        if self.shape == "bands" and not self.bands:
            raise ValueError("a bands rule needs at least one band")
        for lo, frac in self.bands:
            if not (0 <= lo <= 1 and 0 <= frac <= 1):
                raise ValueError("band ratios and fractions are between 0 and 1")
        return self

    def fraction(self, ratio: float) -> float:
        """Share of the weight earned at `ratio` (0..1)."""
        if self.shape == "bands":
            for lo, frac in sorted(self.bands, reverse=True):
                if ratio >= lo:
                    return frac
            return 0.0
        if self.zero_below is not None and ratio < self.zero_below:
            return 0.0
        return min(1.0, max(0.0, ratio) / self.full_at)


class IndicatorSpec(BaseModel):
    """One indicator: formula, weight (points) and rules."""

    model_config = ConfigDict(frozen=True)

    id: str
    name_vi: str = ""
    name_en: str = ""
    weight: float = Field(ge=0)
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...]
    rule: ThresholdRule = ThresholdRule()
    zero_denominator: Literal["full", "zero", "na"] = "full"

    @field_validator("numerator", "denominator", mode="before")
    @classmethod
    def _terms(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(Term.parse(v) if isinstance(v, str) else v for v in value)
        return value

    @property
    def metrics(self) -> set[str]:
        return {t.metric for t in (*self.numerator, *self.denominator)}


class GroupSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name_vi: str = ""
    name_en: str = ""
    indicators: tuple[IndicatorSpec, ...] = Field(min_length=1)

    @property
    def weight(self) -> float:
        return sum(i.weight for i in self.indicators)


class IndicatorConfig(BaseModel):
    """The whole rule set; the weights should add up to 100 (checked)."""

    model_config = ConfigDict(frozen=True)

    version: str = ""
    max_supplements_on_time: int = Field(default=1, ge=0)
    groups: tuple[GroupSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _checks(self) -> IndicatorConfig:
        ids = [i.id for g in self.groups for i in g.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError("indicator ids must be unique")
        if abs(self.total_weight - 100) > 1e-6:
            raise ValueError(f"weights add up to {self.total_weight}, not 100")
        return self

    @property
    def total_weight(self) -> float:
        return sum(g.weight for g in self.groups)

    def indicator(self, indicator_id: str) -> IndicatorSpec:
        for g in self.groups:
            for i in g.indicators:
                if i.id == indicator_id:
                    return i
        raise KeyError(indicator_id)


# ------------------------------------------------------------------------------- results


class IndicatorResult(BaseModel):
    """One indicator's figures. `available` false means: no data, no ratio, no points."""

    id: str
    name_vi: str
    name_en: str
    weight: float
    available: bool
    numerator: int | None = None
    denominator: int | None = None
    ratio: float | None = None
    points: float | None = None
    zero_denominator: bool = False
    missing: list[str] = Field(default_factory=list)  # required metrics absent
    partial: list[str] = Field(default_factory=list)  # optional metrics absent (taken as 0)


class GroupResult(BaseModel):
    id: str
    name_vi: str
    name_en: str
    weight: float
    points: float
    available_weight: float
    score: float | None  # points scaled to `weight` over what is available
    complete: bool
    indicators: list[IndicatorResult]


class IndicatorReport(BaseModel):
    """The grand total out of 100, honestly flagged when some indicators are not available."""

    scope: str
    months: list[str]
    config_version: str
    points: float
    available_weight: float
    score: float | None  # out of 100, scaled over the available weight; None without data
    complete: bool
    missing: list[str]  # ids of indicators not available
    groups: list[GroupResult]
    no_data: bool = False  # no dossiers in the period: "Chưa có dữ liệu", never a score


# ------------------------------------------------------------------------------ formulas


def _sum_terms(
    terms: Iterable[Term], metrics: Mapping[str, int | float]
) -> tuple[int, list[str], list[str]]:
    total = 0
    missing: list[str] = []
    partial: list[str] = []
    for t in terms:
        if t.metric not in metrics or metrics[t.metric] is None:
            (partial if t.optional else missing).append(t.metric)
            continue
        total += t.sign * int(metrics[t.metric])
    return total, missing, partial


def evaluate_indicator(spec: IndicatorSpec, metrics: Mapping[str, int | float]) -> IndicatorResult:
    """Numerator, denominator, ratio and points of one indicator from summed metrics."""
    num, miss_n, part_n = _sum_terms(spec.numerator, metrics)
    den, miss_d, part_d = _sum_terms(spec.denominator, metrics)
    missing = sorted(set(miss_n + miss_d))
    partial = sorted(set(part_n + part_d))
    base = {"id": spec.id, "name_vi": spec.name_vi, "name_en": spec.name_en, "weight": spec.weight}
    if missing:
        return IndicatorResult(**base, available=False, missing=missing, partial=partial)
    num = max(0, num)  # a subtraction formula cannot go below nothing
    if den <= 0:
        if spec.zero_denominator == "na":
            return IndicatorResult(
                **base, available=False, numerator=num, denominator=0, zero_denominator=True
            )
        pts = spec.weight if spec.zero_denominator == "full" else 0.0
        return IndicatorResult(
            **base,
            available=True,
            numerator=num,
            denominator=0,
            ratio=None,
            points=pts,
            zero_denominator=True,
            partial=partial,
        )
    ratio = min(1.0, num / den)
    points = round(spec.weight * spec.rule.fraction(ratio), 4)
    return IndicatorResult(
        **base,
        available=True,
        numerator=num,
        denominator=den,
        ratio=round(ratio, 6),
        points=points,
        partial=partial,
    )


def _scaled(points: float, available: float, full: float) -> float | None:
    if available <= 0:
        return None
    return round(points * full / available, 2)


def evaluate(
    config: IndicatorConfig,
    metrics: Mapping[str, int | float],
    *,
    scope: str = "",
    months: Iterable[str] = (),
) -> IndicatorReport:
    """Every indicator, each group's total and the grand total out of 100.

    With no dossiers in the period (`has_dossiers`) there is no score at all (module docstring).
    """
    no_data = not has_dossiers(metrics)
    groups: list[GroupResult] = []
    missing_ids: list[str] = []
    for g in config.groups:
        results = [evaluate_indicator(i, metrics) for i in g.indicators]
        if no_data:  # nothing to fail is not a success either
            results = [
                r.model_copy(update={"points": None}) if r.zero_denominator else r for r in results
            ]
        pts = sum(r.points or 0.0 for r in results if r.available)
        avail = sum(r.weight for r in results if r.available)
        missing_ids.extend(r.id for r in results if not r.available)
        groups.append(
            GroupResult(
                id=g.id,
                name_vi=g.name_vi,
                name_en=g.name_en,
                weight=g.weight,
                points=round(pts, 4),
                available_weight=avail,
                score=None if no_data else _scaled(pts, avail, g.weight),
                complete=all(r.available for r in results),
                indicators=results,
            )
        )
    points = sum(g.points for g in groups)
    avail = sum(g.available_weight for g in groups)
    return IndicatorReport(
        scope=scope,
        months=list(months),
        config_version=config.version,
        points=round(points, 4),
        available_weight=avail,
        score=None if no_data else _scaled(points, avail, config.total_weight),
        complete=not missing_ids,
        missing=missing_ids,
        groups=groups,
        no_data=no_data,
    )


# The metrics status changes write into the monthly counters (services/dossier/dossiers.py).
# A counter that never moved is absent from its item, which means 0, not "unknown":
# `counter_metrics` fills them. Extra metrics (synced, paid_online, ...) get no such default.
COUNTER_METRICS: tuple[str, ...] = (
    "submitted",
    "received",
    "received_channel_1",
    "received_channel_2",
    "received_channel_3",
    "refused",
    "supplement_requested",
    "processing_started",
    "processed",
    "processed_on_time",
    "processed_late",
    "returned",
)


# Metrics that count dossiers of the period: a scope where all of them are zero has no data.
DOSSIER_METRICS: tuple[str, ...] = (*COUNTER_METRICS, "in_progress_on_time", "in_progress_late")


def has_dossiers(metrics: Mapping[str, int | float]) -> bool:
    """Whether any dossier was submitted, received, handled or in progress in the period."""
    return any((metrics.get(m) or 0) > 0 for m in DOSSIER_METRICS)


def counter_metrics(rows: Iterable[Mapping[str, int | float]]) -> dict[str, int]:
    """Counter items summed, with every known counter metric present (0 when it never moved)."""
    out = dict.fromkeys(COUNTER_METRICS, 0)
    for k, v in sum_metrics(rows).items():
        out[k] = out.get(k, 0) + v
    return out


def sum_metrics(rows: Iterable[Mapping[str, int | float]]) -> dict[str, int]:
    """Add counter items (or any metric mappings) key by key; non-numeric values are skipped."""
    out: dict[str, int] = {}
    for row in rows:
        for k, v in row.items():
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            out[k] = out.get(k, 0) + int(v)
    return out


# ------------------------------------------------------------------- lifecycle helpers


def counts_as_late(
    *,
    finished_at: datetime,
    due_at: datetime,
    supplement_count: int = 0,
    max_supplements_on_time: int = 1,
) -> bool:
    """QĐ 766 "on time": finished by the due instant *and* at most one supplement request.

    `due_at` must already exclude the supplement time (the clock pauses, see
    `deadlines.shift_for_pauses`). A second supplement request counts the dossier as late whatever
    the clock says. Finishing exactly on the due instant is on time.
    """
    if finished_at.tzinfo is None or due_at.tzinfo is None:
        raise ValueError("naive datetime")
    if supplement_count > max_supplements_on_time:
        return True
    return finished_at > due_at


def outcome_metric(
    *,
    finished_at: datetime,
    due_at: datetime,
    supplement_count: int = 0,
    max_supplements_on_time: int = 1,
) -> str:
    """The counter metric a finished dossier adds: `processed_on_time` or `processed_late`."""
    late = counts_as_late(
        finished_at=finished_at,
        due_at=due_at,
        supplement_count=supplement_count,
        max_supplements_on_time=max_supplements_on_time,
    )
    return "processed_late" if late else "processed_on_time"


# ---------------------------------------------------------------------------- periods

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _ym(text: str) -> tuple[int, int]:
    m = _MONTH.match(text)
    if m is None:
        raise ValueError(f"bad month {text!r}: expected YYYY-MM")
    return int(m.group(1)), int(m.group(2))


def month_range(start: str, end: str) -> list[str]:
    """Every `YYYY-MM` from `start` to `end`, both included (a custom range)."""
    y, m = _ym(start)
    ey, em = _ym(end)
    if (ey, em) < (y, m):
        raise ValueError(f"range ends before it starts: {start}..{end}")
    out: list[str] = []
    while (y, m) <= (ey, em):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if len(out) > 120:
        raise ValueError("a period spans at most 10 years")
    return out


def month_of(year: int, month: int) -> list[str]:
    return month_range(f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}")


def quarter_months(year: int, quarter: int) -> list[str]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter is 1..4")
    first = 3 * (quarter - 1) + 1
    return month_range(f"{year:04d}-{first:02d}", f"{year:04d}-{first + 2:02d}")


def half_months(year: int, half: int) -> list[str]:
    if half not in (1, 2):
        raise ValueError("half is 1 or 2")
    first = 1 if half == 1 else 7
    return month_range(f"{year:04d}-{first:02d}", f"{year:04d}-{first + 5:02d}")


def year_months(year: int) -> list[str]:
    return month_range(f"{year:04d}-01", f"{year:04d}-12")


def months_between(start: date, end: date) -> list[str]:
    """The months a date range touches (counters are monthly, so a range widens to months)."""
    return month_range(start.strftime("%Y-%m"), end.strftime("%Y-%m"))


_PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])|H([12])))?$")


def parse_period(text: str) -> list[str]:
    """`2026-03`, `2026-Q1`, `2026-H2`, `2026`, or `2026-01..2026-05` → months (for the API)."""
    text = text.strip().upper()
    if ".." in text:
        start, end = text.split("..", 1)
        return month_range(start.strip(), end.strip())
    m = _PERIOD.match(text)
    if m is None:
        raise ValueError(f"bad period {text!r}")
    year = int(m.group(1))
    if m.group(2):
        return month_of(year, int(m.group(2)))
    if m.group(3):
        return quarter_months(year, int(m.group(3)))
    if m.group(4):
        return half_months(year, int(m.group(4)))
    return year_months(year)
