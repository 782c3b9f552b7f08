"""Feedback (phản ánh, kiến nghị, Đ18-19) and its handling steps: pure rules, no I/O.

States::

    received ─┬─ accept ─> accepted ─┬─ request_info ─> more_info_requested ─ provide ─>
              │                      │                                          info_provided
              └─ refuse ─> refused   └─ answer ─> answered ─ publish (if consented) ─> published
                                        info_provided ─ answer ─> answered
    answered | published ─ reopen (once) ──> accepted

Deadlines are working days counted with the province's `WorkingCalendar` (QĐ 766: accept or
refuse 2, ask for more 5, answer 15, publish 2; each a setting). While the agency waits for the
sender's extra information its answer clock is paused, and the answer's due time moves by exactly
the working time paused (like a dossier's supplement).

A feedback is *handled* when its cycle ends: refused, answered without publication consent, or
published. Each handled cycle counts once (`feedback_handled`), on time when no step of the cycle
was late (`feedback_handled_on_time`); a reopened feedback starts a new cycle.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.domain.errors import Conflict, IllegalTransition, InvalidInput
from chalicelib.domain.masking import STAR, mask_name, scrub_text

if TYPE_CHECKING:
    from chalicelib.domain.calendar import WorkingCalendar

Channel = Literal["online", "phone", "zalo", "mobile_app", "letter"]
Category = Literal["dossier", "procedure", "staff_conduct", "system"]
State = Literal[
    "received",
    "accepted",
    "refused",
    "more_info_requested",
    "info_provided",
    "answered",
    "published",
]
Step = Literal["accept", "request_info", "answer", "publish"]

CHANNELS: tuple[str, ...] = ("online", "phone", "zalo", "mobile_app", "letter")
STAFF_CHANNELS: tuple[str, ...] = ("phone", "zalo", "mobile_app", "letter")
CATEGORIES: tuple[str, ...] = ("dossier", "procedure", "staff_conduct", "system")
CLOSED_STATES = frozenset({"refused", "published"})
ROUTABLE_STATES = frozenset({"received", "accepted", "more_info_requested", "info_provided"})

CHANNEL_NAMES: dict[str, str] = {
    "online": "Trực tuyến",
    "phone": "Điện thoại",
    "zalo": "Zalo",
    "mobile_app": "Ứng dụng di động",
    "letter": "Thư, văn bản",
}
STATE_NAMES: dict[str, str] = {
    "received": "Mới tiếp nhận",
    "accepted": "Đã thụ lý",
    "refused": "Từ chối thụ lý",
    "more_info_requested": "Đề nghị bổ sung thông tin",
    "info_provided": "Đã bổ sung thông tin",
    "answered": "Đã trả lời",
    "published": "Đã công khai",
}

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


# ---- settings -----------------------------------------------------------------------------------
class FeedbackDeadlines(BaseModel):
    """Working days per step (cfg). Read from `Settings` when it has the fields, else the env."""

    model_config = ConfigDict(frozen=True)

    accept_days: float = Field(default=2, gt=0)
    request_info_days: float = Field(default=5, gt=0)
    answer_days: float = Field(default=15, gt=0)
    publish_days: float = Field(default=2, gt=0)
    warn_before_days: float = Field(default=1, ge=0)

    @classmethod
    def from_settings(
        cls, settings: Any = None, env: dict[str, str] | None = None
    ) -> FeedbackDeadlines:
        e = os.environ if env is None else env
        values: dict[str, Any] = {}
        fields = {
            "accept_days": ("feedback_accept_working_days", "FEEDBACK_ACCEPT_WORKING_DAYS"),
            "request_info_days": (
                "feedback_request_info_working_days",
                "FEEDBACK_REQUEST_INFO_WORKING_DAYS",
            ),
            "answer_days": ("feedback_answer_working_days", "FEEDBACK_ANSWER_WORKING_DAYS"),
            "publish_days": ("feedback_publish_working_days", "FEEDBACK_PUBLISH_WORKING_DAYS"),
            "warn_before_days": ("warn_before_working_days", "FEEDBACK_WARN_BEFORE_WORKING_DAYS"),
        }
        for name, (attr, env_name) in fields.items():
            value = getattr(settings, attr, None) if settings is not None else None
            if value is None and e.get(env_name):
                value = e[env_name]
            if value is not None:
                values[name] = value
        return cls.model_validate(values)


# ---- the model ----------------------------------------------------------------------------------
class FeedbackEvent(BaseModel):
    at: AwareDatetime
    action: str
    actor: str
    role: str
    note: str = ""


class Answer(BaseModel):
    n: int
    text: str
    at: AwareDatetime
    by: str
    satisfied: bool | None = None
    rated_at: AwareDatetime | None = None


class Feedback(BaseModel):
    id: str
    code: str
    subject: str
    content: str
    channel: Channel
    category: Category
    agency: str
    anonymous: bool = False
    sender: str | None = None  # citizen sub when signed in
    sender_name: str = ""
    contact: str | None = None  # phone, e-mail or address for the answer
    dossier_code: str | None = None
    publish_consent: bool = False
    entered_by: str | None = None  # staff who recorded a phone/zalo/app/letter feedback
    attachments: list[str] = Field(default_factory=list)  # S3 keys under feedback/<id>/
    lookup_token: str = ""
    state: State = "received"
    received_at: AwareDatetime
    due_at: AwareDatetime | None = None  # the current step's due time (None: nothing due)
    due_step: Step | None = None
    request_info_due_at: AwareDatetime | None = None
    paused_at: AwareDatetime | None = None
    accepted_at: AwareDatetime | None = None
    refused_at: AwareDatetime | None = None
    refusal_reason: str | None = None
    info_request: str | None = None
    info_requested_at: AwareDatetime | None = None
    info_requested_cycle: int | None = None
    info_reply: str | None = None
    info_provided_at: AwareDatetime | None = None
    answers: list[Answer] = Field(default_factory=list)
    answered_at: AwareDatetime | None = None
    published_at: AwareDatetime | None = None
    public_subject: str | None = None
    public_content: str | None = None
    public_answer: str | None = None
    reopened: bool = False
    reopen_reason: str | None = None
    reopened_at: AwareDatetime | None = None
    cycle: int = 1
    cycle_late: bool = False
    late_steps: list[str] = Field(default_factory=list)  # "<cycle>:<step>"
    handled_cycles: int = 0
    alarms_fired: list[str] = Field(default_factory=list)  # "<cycle>:<step>:<kind>"
    history: list[FeedbackEvent] = Field(default_factory=list)
    version: int = 0

    @property
    def answer(self) -> Answer | None:
        return self.answers[-1] if self.answers else None

    @property
    def is_open(self) -> bool:
        """In the agency's queue: something is (or will be) due from the agency."""
        return self.due_step is not None or self.state == "more_info_requested"

    @property
    def is_paused(self) -> bool:
        return self.state == "more_info_requested"


# ---- creation -----------------------------------------------------------------------------------
def new_code(received_at: datetime, calendar: WorkingCalendar, rand: str | None = None) -> str:
    """`PA-<YYMMDD>-<6 random>`, the date in the calendar's zone (Vietnam)."""
    day = calendar.local_date(received_at)
    suffix = rand or "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
    return f"PA-{day:%y%m%d}-{suffix}"


def new_token() -> str:
    return secrets.token_urlsafe(18)


def create(
    *,
    feedback_id: str,
    code: str,
    subject: str,
    content: str,
    channel: str,
    category: str,
    agency: str,
    received_at: datetime,
    calendar: WorkingCalendar,
    deadlines: FeedbackDeadlines,
    actor: str,
    actor_role: str,
    **extra: Any,
) -> Feedback:
    """A received feedback whose accept-or-refuse window starts now."""
    fb = Feedback.model_validate(
        {
            "id": feedback_id,
            "code": code,
            "subject": subject,
            "content": content,
            "channel": channel,
            "category": category,
            "agency": agency,
            "received_at": received_at,
            "lookup_token": extra.pop("lookup_token", None) or new_token(),
            **extra,
        }
    )
    fb.due_at = calendar.add_working_days(received_at, deadlines.accept_days)
    fb.due_step = "accept"
    fb.history.append(
        FeedbackEvent(at=received_at, action="received", actor=actor, role=actor_role, note=channel)
    )
    return fb


# ---- transitions --------------------------------------------------------------------------------
def _illegal(fb: Feedback, action: str) -> IllegalTransition:
    state = STATE_NAMES.get(fb.state, fb.state)
    return IllegalTransition(
        f"Không thể thực hiện thao tác này khi phản ánh ở trạng thái “{state}”.",
        f"Cannot {action} a feedback in state {fb.state}.",
        field="state",
    )


def _require(fb: Feedback, action: str, *states: str) -> None:
    if fb.state not in states:
        raise _illegal(fb, action)


def _text(value: str, field: str, what_vi: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"Vui lòng nhập {what_vi}.", f"`{field}` is required.", field=field)
    return text


def _late(fb: Feedback, step: str, at: datetime, due: datetime | None) -> None:
    if due is not None and at > due:
        fb.cycle_late = True
        fb.late_steps.append(f"{fb.cycle}:{step}")


def _log(fb: Feedback, at: datetime, action: str, actor: str, role: str, note: str = "") -> None:
    fb.history.append(FeedbackEvent(at=at, action=action, actor=actor, role=role, note=note))


def _copy(fb: Feedback) -> Feedback:
    return fb.model_copy(deep=True)


def accept(
    fb: Feedback,
    at: datetime,
    calendar: WorkingCalendar,
    deadlines: FeedbackDeadlines,
    *,
    actor: str = "",
    role: str = "",
    note: str = "",
) -> Feedback:
    _require(fb, "accept", "received")
    out = _copy(fb)
    _late(out, "accept", at, fb.due_at)
    out.state = "accepted"
    out.accepted_at = at
    out.due_at = calendar.add_working_days(at, deadlines.answer_days)
    out.due_step = "answer"
    out.request_info_due_at = calendar.add_working_days(at, deadlines.request_info_days)
    _log(out, at, "accepted", actor, role, note)
    return out


def refuse(fb: Feedback, at: datetime, reason: str, *, actor: str = "", role: str = "") -> Feedback:
    _require(fb, "refuse", "received")
    reason = _text(reason, "reason", "lý do từ chối")
    out = _copy(fb)
    _late(out, "accept", at, fb.due_at)
    out.state = "refused"
    out.refused_at = at
    out.refusal_reason = reason
    out.due_at = None
    out.due_step = None
    _log(out, at, "refused", actor, role, reason)
    return out


def request_info(
    fb: Feedback, at: datetime, question: str, *, actor: str = "", role: str = ""
) -> Feedback:
    """Ask the sender for more (once per cycle, within the request window); pauses the answer."""
    _require(fb, "request more information for", "accepted")
    if fb.info_requested_cycle == fb.cycle:
        raise Conflict(
            "Chỉ được đề nghị bổ sung thông tin một lần.",
            "More information may be requested only once.",
            code="info_request_once",
        )
    question = _text(question, "question", "nội dung cần bổ sung")
    out = _copy(fb)
    _late(out, "request_info", at, fb.request_info_due_at)
    out.state = "more_info_requested"
    out.info_request = question
    out.info_requested_at = at
    out.info_reply = None
    out.info_provided_at = None
    out.paused_at = at
    out.info_requested_cycle = fb.cycle
    _log(out, at, "info_requested", actor, role, question)
    return out


def provide_info(
    fb: Feedback,
    at: datetime,
    text: str,
    calendar: WorkingCalendar,
    *,
    actor: str = "",
    role: str = "",
) -> Feedback:
    """The sender answers; the answer's due time moves by the working time paused."""
    _require(fb, "provide information for", "more_info_requested")
    text = _text(text, "content", "nội dung bổ sung")
    out = _copy(fb)
    if fb.paused_at is not None and fb.due_at is not None:
        paused = calendar.working_seconds_between(fb.paused_at, at)
        out.due_at = calendar.add_working_seconds(fb.due_at, paused)
    out.paused_at = None
    out.state = "info_provided"
    out.info_reply = text
    out.info_provided_at = at
    _log(out, at, "info_provided", actor, role)
    return out


def answer(
    fb: Feedback,
    at: datetime,
    text: str,
    calendar: WorkingCalendar,
    deadlines: FeedbackDeadlines,
    *,
    actor: str = "",
    role: str = "",
) -> Feedback:
    _require(fb, "answer", "accepted", "info_provided")
    text = _text(text, "answer", "nội dung trả lời")
    out = _copy(fb)
    _late(out, "answer", at, fb.due_at)
    out.state = "answered"
    out.answered_at = at
    out.answers.append(Answer(n=len(fb.answers) + 1, text=text, at=at, by=actor))
    if fb.publish_consent:
        out.due_at = calendar.add_working_days(at, deadlines.publish_days)
        out.due_step = "publish"
    else:
        out.due_at = None
        out.due_step = None
    _log(out, at, "answered", actor, role)
    return out


def publish(fb: Feedback, at: datetime, *, actor: str = "", role: str = "") -> Feedback:
    """Publish the answer on the Q&A page, personal data removed; only with the sender's consent."""
    _require(fb, "publish", "answered")
    if not fb.publish_consent:
        raise Conflict(
            "Người gửi không đồng ý công khai nội dung phản ánh này.",
            "The sender did not consent to publication.",
            code="no_publish_consent",
        )
    out = _copy(fb)
    _late(out, "publish", at, fb.due_at)
    names = [n for n in (fb.sender_name,) if n]
    extra = [fb.contact] if fb.contact else []
    out.public_subject = redact(fb.subject, names=names, extra=extra)
    out.public_content = redact(fb.content, names=names, extra=extra)
    out.public_answer = redact(fb.answers[-1].text if fb.answers else "", names=names, extra=extra)
    out.state = "published"
    out.published_at = at
    out.due_at = None
    out.due_step = None
    _log(out, at, "published", actor, role)
    return out


def reroute(
    fb: Feedback,
    at: datetime,
    agency: str,
    category: str | None = None,
    *,
    actor: str = "",
    role: str = "",
    note: str = "",
) -> Feedback:
    """The province office moves an unanswered feedback to another agency (due times are kept)."""
    if fb.state not in ROUTABLE_STATES:
        raise _illegal(fb, "route")
    out = _copy(fb)
    out.agency = agency
    if category is not None:
        out.category = category  # type: ignore[assignment]  # validated by the input model
    _log(out, at, "routed", actor, role, f"{fb.agency} → {agency}. {note}".strip())
    return out


def rate(fb: Feedback, at: datetime, satisfied: bool, *, actor: str = "") -> Feedback:
    """The sender rates the current answer, once per answer."""
    _require(fb, "rate", "answered", "published")
    current = fb.answers[-1] if fb.answers else None
    if current is None:
        raise _illegal(fb, "rate")
    if current.satisfied is not None:
        raise Conflict(
            "Bạn đã đánh giá câu trả lời này.",
            "This answer has already been rated.",
            code="already_rated",
        )
    out = _copy(fb)
    out.answers[-1].satisfied = satisfied
    out.answers[-1].rated_at = at
    _log(out, at, "rated", actor, "sender", "satisfied" if satisfied else "unsatisfied")
    return out


def reopen(
    fb: Feedback,
    at: datetime,
    reason: str,
    calendar: WorkingCalendar,
    deadlines: FeedbackDeadlines,
    *,
    actor: str = "",
) -> Feedback:
    """Once, after an answer: back to accepted with a fresh answer window (a new cycle)."""
    _require(fb, "reopen", "answered", "published")
    if fb.reopened:
        raise Conflict(
            "Phản ánh chỉ được mở lại một lần.",
            "A feedback may be reopened only once.",
            code="reopen_once",
        )
    reason = _text(reason, "reason", "lý do mở lại")
    out = _copy(fb)
    out.reopened = True
    out.reopen_reason = reason
    out.reopened_at = at
    out.cycle = fb.cycle + 1
    out.cycle_late = False
    out.state = "accepted"
    out.accepted_at = at
    out.due_at = calendar.add_working_days(at, deadlines.answer_days)
    out.due_step = "answer"
    out.request_info_due_at = calendar.add_working_days(at, deadlines.request_info_days)
    out.published_at = None
    out.public_subject = out.public_content = out.public_answer = None
    _log(out, at, "reopened", actor, "sender", reason)
    return out


# ---- counting -----------------------------------------------------------------------------------
def handled_now(before: Feedback, after: Feedback) -> bool:
    """Did this transition end a handling cycle (refused, answered without consent, published)?"""
    if before.state == after.state:
        return False
    if after.state in ("refused", "published"):
        return True
    return after.state == "answered" and not after.publish_consent


def counter_metrics(before: Feedback, after: Feedback) -> dict[str, int]:
    """What to ADD on the agency's monthly counter item for this transition."""
    metrics: dict[str, int] = {}
    if handled_now(before, after):
        metrics["feedback_handled"] = 1
        if not after.cycle_late:
            metrics["feedback_handled_on_time"] = 1
    rated_before = sum(a.satisfied is not None for a in before.answers)
    rated_after = [a for a in after.answers if a.satisfied is not None]
    if len(rated_after) > rated_before:
        metrics["feedback_rated"] = 1
        if rated_after[-1].satisfied:
            metrics["feedback_satisfied"] = 1
    return metrics


# ---- alarms -------------------------------------------------------------------------------------
AlarmKind = Literal["due_soon", "overdue"]


def alarm_due(
    fb: Feedback, now: datetime, calendar: WorkingCalendar, deadlines: FeedbackDeadlines
) -> AlarmKind | None:
    """The alarm to raise now for the current step, if not raised already in this cycle."""
    if fb.due_at is None or fb.due_step is None or fb.is_paused:
        return None
    prefix = f"{fb.cycle}:{fb.due_step}:"
    if now > fb.due_at:
        return None if prefix + "overdue" in fb.alarms_fired else "overdue"
    warn_at = calendar.subtract_working_seconds(
        fb.due_at, round(deadlines.warn_before_days * calendar.day_seconds)
    )
    if now >= warn_at and prefix + "due_soon" not in fb.alarms_fired:
        return "due_soon"
    return None


def mark_alarm(fb: Feedback, kind: str) -> Feedback:
    out = _copy(fb)
    out.alarms_fired.append(f"{fb.cycle}:{fb.due_step}:{kind}")
    return out


# ---- redaction ----------------------------------------------------------------------------------
def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def redact(text: str, *, names: list[str] | None = None, extra: list[str] | None = None) -> str:
    """Text for the public Q&A: e-mails, phone numbers and ID numbers masked (`scrub_text`), the
    sender's name masked (`mask_name`, case-insensitive, also without the family name), and any
    other given personal value (a postal contact) replaced by stars."""
    out = _fold(text or "")
    for value in extra or ():
        value = _fold(value).strip()
        if len(value) >= 4 and "@" not in value and not re.search(r"\d{6,}", value):
            out = re.sub(re.escape(value), STAR * 3, out, flags=re.IGNORECASE)
    out = scrub_text(out)
    for name in names or ():
        words = _fold(name).split()
        if not words:
            continue
        # The full name keeps the family name as `mask_name` does; the given names alone ("Văn
        # An", when someone signs a letter so) keep only initials.
        variants = [(words, mask_name(name))]
        if len(words) >= 3:
            given = words[1:]
            variants.append((given, " ".join(w[0] + STAR * (len(w) - 1) for w in given)))
        for variant, masked in variants:
            pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in variant) + r"(?!\w)"
            out = re.sub(pattern, masked, out, flags=re.IGNORECASE)
    return out


def public_view(fb: Feedback) -> dict[str, Any]:
    """One Q&A entry: only redacted text, never the sender, contact or attachments."""
    return {
        "code": fb.code,
        "subject": fb.public_subject or "",
        "question": fb.public_content or "",
        "answer": fb.public_answer or "",
        "category": fb.category,
        "agency": fb.agency,
        "channel": fb.channel,
        "received_at": fb.received_at,
        "answered_at": fb.answered_at,
        "published_at": fb.published_at,
    }


def matches(entry: dict[str, Any], q: str) -> bool:
    """Every word of `q` (case- and accent-insensitive) appears in the subject, question or
    answer."""
    words = _plain(q).split()
    if not words:
        return True
    hay = _plain(" ".join(str(entry.get(k) or "") for k in ("subject", "question", "answer")))
    return all(w in hay for w in words)


def _plain(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
