"""Publishing procedure changes (regulation Đ10.3, Đ14.5): completeness, timeliness, the request.

An agency proposes a change (new, amended, repealed) to a procedure it leads; the province office
publishes it as a new version or rejects it with a reason. Pure: no boto3, no Chalice.

Completeness rules (checked on the draft JSON as proposed, before it is parsed, so a missing part is
reported as missing rather than as a parse error). Field paths are relative to the procedure JSON:
1. `steps`: at least one step; each step names its `agency` and its `allowance`.
2. `processing_time`: the legal processing time is declared.
3. `documents`: at least one document requirement.
4. `fees`: declared explicitly. An explicit empty list is allowed only when the change request is
   marked free (`free: true`, "không thu phí, lệ phí"); a request marked free must not list a fee
   with a non-zero amount. A missing `fees` key is never "free by default": the publication must
   say so, because silence is what QĐ 766 counts as incomplete.
5. `lead_agency`: exists as a unit.
6. `steps.<i>.agency`: every step's agency exists as a unit.
7. `steps`: the allowances fit in `processing_time`; stages run one after another and a parallel
   group (steps sharing `stage`) counts its longest step. Days and hours are compared through the
   calendar's working-day length (`hours_per_day`, 8 by default).

On time: published on or before the effective date, both as Asia/Ho_Chi_Minh dates.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from chalicelib.domain.errors import DomainError, IllegalTransition
from chalicelib.domain.procedure import Duration, Procedure, TimeUnit

VN = ZoneInfo("Asia/Ho_Chi_Minh")

ChangeKind = Literal["new", "amended", "repealed"]
ChangeState = Literal["proposed", "published", "rejected"]

# The request's life: proposed once, then decided once. Decided requests are history.
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"published", "rejected"}),
    "published": frozenset(),
    "rejected": frozenset(),
}


# ---- completeness --------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One failed completeness rule: where (path in the procedure JSON) and why."""

    field: str
    message_vi: str
    message_en: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message_vi, "message_en": self.message_en}


class ProcedureIncomplete(DomainError):
    """422 `procedure_incomplete`; `field` is the first problem's, `problems` lists them all."""

    status = 422
    code = "procedure_incomplete"

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(
            f"Thủ tục chưa đầy đủ, không thể công bố: {first.message_vi}",
            f"The procedure is incomplete and cannot be published: {first.message_en}",
            field=first.field,
        )
        self.problems = list(problems)

    def to_body(self) -> dict[str, Any]:
        """The API error body with the full list (the shared error shape plus `problems`)."""
        return {
            "code": self.code,
            "message": self.message_vi,
            "message_en": self.message_en,
            "field": self.field,
            "problems": [p.to_dict() for p in self.problems],
        }


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _duration(value: Any) -> Duration | None:
    try:
        return Duration.model_validate(value)
    except ValidationError:
        return None


def duration_hours(d: Duration, hours_per_day: float = 8.0) -> float:
    """Working hours in an allowance, so day and hour allowances can be compared."""
    return float(d.amount) if d.unit is TimeUnit.WORKING_HOURS else d.amount * hours_per_day


def _fmt(hours: float, hours_per_day: float) -> str:
    days = hours / hours_per_day
    return f"{days:g} ngày làm việc" if days.is_integer() else f"{hours:g} giờ làm việc"


def completeness_problems(
    draft: Mapping[str, Any],
    *,
    units: Collection[str],
    free: bool = False,
    hours_per_day: float = 8.0,
) -> list[Problem]:
    """Every failed rule (see the module docstring), in rule order; empty = complete."""
    out: list[Problem] = []
    steps = draft.get("steps")
    step_list: list[Any] = list(steps) if isinstance(steps, list | tuple) else []
    # 1. steps, each with agency and allowance
    if not step_list:
        out.append(
            Problem(
                "steps",
                "Thiếu quy trình xử lý: cần ít nhất một bước.",
                "No processing steps: at least one is required.",
            )
        )
    for i, step in enumerate(step_list):
        s = step if isinstance(step, Mapping) else {}
        if _blank(s.get("agency")):
            out.append(
                Problem(
                    f"steps.{i}.agency",
                    f"Bước {i + 1} chưa ghi cơ quan thực hiện.",
                    f"Step {i + 1} names no agency.",
                )
            )
        if s.get("allowance") is None:
            out.append(
                Problem(
                    f"steps.{i}.allowance",
                    f"Bước {i + 1} chưa ghi thời gian thực hiện.",
                    f"Step {i + 1} has no time allowance.",
                )
            )
    # 2. processing time
    if draft.get("processing_time") is None:
        out.append(
            Problem(
                "processing_time",
                "Thiếu thời hạn giải quyết.",
                "The processing time is missing.",
            )
        )
    # 3. documents
    documents = draft.get("documents")
    if not isinstance(documents, list | tuple) or not documents:
        out.append(
            Problem(
                "documents",
                "Thiếu thành phần hồ sơ: cần ít nhất một giấy tờ.",
                "No document requirements: at least one is required.",
            )
        )
    # 4. fees declared; empty only when marked free
    if "fees" not in draft or draft.get("fees") is None:
        out.append(
            Problem(
                "fees",
                "Chưa khai báo phí, lệ phí (liệt kê các khoản, "
                "hoặc để trống và đánh dấu miễn phí).",
                "Fees are not declared (list them, or leave the list empty and mark it free).",
            )
        )
    else:
        fees = draft["fees"]
        fee_list = fees if isinstance(fees, list | tuple) else []
        if not fee_list and not free:
            out.append(
                Problem(
                    "fees",
                    "Danh sách phí, lệ phí để trống nhưng thủ tục chưa được đánh dấu miễn phí.",
                    "The fee list is empty but the procedure is not marked free.",
                )
            )
        if free and any(
            isinstance(f, Mapping) and isinstance(f.get("amount_vnd"), int) and f["amount_vnd"] > 0
            for f in fee_list
        ):
            out.append(
                Problem(
                    "fees",
                    "Thủ tục được đánh dấu miễn phí nhưng vẫn có khoản thu.",
                    "The procedure is marked free but lists a fee.",
                )
            )
    # 5. lead agency exists
    lead = draft.get("lead_agency")
    if _blank(lead):
        out.append(Problem("lead_agency", "Thiếu cơ quan chủ trì.", "The lead agency is missing."))
    elif lead not in units:
        out.append(
            Problem(
                "lead_agency",
                f"Cơ quan chủ trì {lead} không có trong danh mục đơn vị.",
                f"The lead agency {lead} is not a known unit.",
            )
        )
    # 6. every step's agency exists
    for i, step in enumerate(step_list):
        agency = step.get("agency") if isinstance(step, Mapping) else None
        if not _blank(agency) and agency not in units:
            out.append(
                Problem(
                    f"steps.{i}.agency",
                    f"Cơ quan thực hiện bước {i + 1} ({agency}) không có trong danh mục đơn vị.",
                    f"The agency of step {i + 1} ({agency}) is not a known unit.",
                )
            )
    # 7. allowances fit in the processing time (only when everything parses)
    total = _duration(draft.get("processing_time"))
    allowances = [
        _duration(s.get("allowance")) if isinstance(s, Mapping) else None for s in step_list
    ]
    if total is not None and step_list and all(a is not None for a in allowances):
        used = stages_hours(
            [
                (s.get("stage") if isinstance(s, Mapping) else None, a)
                for s, a in zip(step_list, allowances, strict=True)
                if a is not None
            ],
            hours_per_day,
        )
        limit = duration_hours(total, hours_per_day)
        if used > limit + 1e-9:
            out.append(
                Problem(
                    "steps",
                    f"Tổng thời gian các bước ({_fmt(used, hours_per_day)}) vượt thời hạn giải "
                    f"quyết ({_fmt(limit, hours_per_day)}).",
                    f"The steps take {used:g} working hours, more than the processing time "
                    f"({limit:g} working hours).",
                )
            )
    return out


def stages_hours(steps: list[tuple[Any, Duration]], hours_per_day: float = 8.0) -> float:
    """Working hours the steps take: stages in sequence, a parallel group its longest step.

    Same grouping as `Procedure.stages`: steps sharing a `stage` number run together; a step
    without one is a stage of its own.
    """
    groups: dict[Any, float] = {}
    total = 0.0
    for stage, allowance in steps:
        hours = duration_hours(allowance, hours_per_day)
        if stage is None:
            total += hours
        else:
            groups[stage] = max(groups.get(stage, 0.0), hours)
    return total + sum(groups.values())


def check_complete(
    draft: Mapping[str, Any],
    *,
    units: Collection[str],
    free: bool = False,
    hours_per_day: float = 8.0,
) -> None:
    """Raise ProcedureIncomplete with every problem, or return when the draft is complete."""
    problems = completeness_problems(draft, units=units, free=free, hours_per_day=hours_per_day)
    if problems:
        raise ProcedureIncomplete(problems)


# ---- timeliness -----------------------------------------------------------------------------
def published_on_time(effective_date: date, published_at: datetime) -> bool:
    """Published on or before the day it takes effect (Vietnam dates; naive means UTC)."""
    if published_at.tzinfo is None:
        from datetime import UTC

        published_at = published_at.replace(tzinfo=UTC)
    return published_at.astimezone(VN).date() <= effective_date


def month_of(at: datetime) -> str:
    """The counters' month (YYYY-MM) of an instant, in Vietnam time."""
    return at.astimezone(VN).strftime("%Y-%m")


# ---- the change request ---------------------------------------------------------------------
class ProcedureChange(BaseModel):
    """A proposed change to the catalogue, and what the province decided about it."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: ChangeKind
    procedure_code: str = Field(min_length=1, max_length=40)
    # The procedure JSON as proposed (new/amended); kept raw so "declared or not" survives.
    draft: dict[str, Any] | None = None
    free: bool = False  # the procedure collects no fee (allows an explicit empty fee list)
    legal_basis: str = Field(min_length=5, max_length=500)
    effective_date: date
    lead_agency: str  # the unit whose change this is (scope of the agency's list)
    state: ChangeState = "proposed"
    proposed_by: str
    proposed_at: AwareDatetime
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None
    reason: str | None = None  # why it was rejected
    published_version: int | None = None
    on_time: bool | None = None

    @model_validator(mode="after")
    def _draft_fits_kind(self) -> ProcedureChange:
        if self.kind == "repealed" and self.draft is not None:
            raise ValueError("a repeal carries no draft")
        if self.kind != "repealed" and self.draft is None:
            raise ValueError("a new or amended procedure needs its draft")
        return self

    def _moved(self, to: ChangeState, **update: Any) -> ProcedureChange:
        check_transition(self.state, to)
        return self.model_copy(update={"state": to, **update})

    def published(self, *, by: str, at: datetime, version: int) -> ProcedureChange:
        return self._moved(
            "published",
            decided_by=by,
            decided_at=at,
            published_version=version,
            on_time=published_on_time(self.effective_date, at),
        )

    def rejected(self, *, by: str, at: datetime, reason: str) -> ProcedureChange:
        return self._moved("rejected", decided_by=by, decided_at=at, reason=reason)


def check_transition(frm: str, to: str) -> None:
    """409 unless `to` may follow `frm`: a request is decided once."""
    if to not in TRANSITIONS.get(frm, frozenset()):
        raise IllegalTransition(
            f"Đề nghị đang ở trạng thái “{frm}”, không thể chuyển sang “{to}”.",
            f"A change request in state {frm!r} cannot become {to!r}.",
            field="state",
        )


def build_version(
    change: ProcedureChange,
    *,
    version: int,
    published_at: datetime,
    current: Procedure | None,
) -> Procedure:
    """The procedure version a publication writes (parsing the draft; errors are 400s)."""
    base = {"effective_date": change.effective_date, "published_at": published_at}
    if change.kind == "repealed":
        if current is None:
            raise ValueError("a repeal needs the current version")
        return current.model_copy(update={**base, "version": version, "state": "repealed"})
    assert change.draft is not None
    data = {
        **change.draft,
        **base,
        "code": change.procedure_code,
        "version": version,
        "state": "published",
    }
    return Procedure.model_validate(data)
