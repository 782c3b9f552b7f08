"""Feedback (phản ánh, kiến nghị, Đ18-19) use cases: intake, routing, handling, the sender's rating
and reopening, the public Q&A and the scheduled deadline check.

Each change is one store transaction (the feedback, its counters and its notification outbox
items), then an audit event on the stream `FEEDBACK#<id>`. Personal data never goes to the audit
detail or the public Q&A.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain import feedback as rules
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.feedback import Feedback, FeedbackDeadlines
from chalicelib.domain.permissions import Related, permits, role_permits, unrestricted
from chalicelib.store.audit import feedback_stream
from chalicelib.store.feedback import FeedbackStore, iso, not_found
from chalicelib.store.outbox import agency_recipient

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.services.container import Deps

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")


# ---- inputs --------------------------------------------------------------------------------------
class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FeedbackAttachmentIn(_In):
    filename: str = Field(min_length=1, max_length=200)
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(gt=0, le=MAX_ATTACHMENT_BYTES)


class FeedbackIn(_In):
    """A feedback sent online (signed in or anonymous)."""

    subject: str = Field(min_length=3, max_length=200)
    content: str = Field(min_length=10, max_length=5000)
    category: rules.Category | None = None  # default: dossier with a dossier code, else procedure
    dossier_code: str | None = Field(default=None, max_length=60)
    agency: str | None = Field(default=None, max_length=40)
    anonymous: bool = False
    name: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=200)
    publish_consent: bool = False
    attachments: list[FeedbackAttachmentIn] = Field(
        default_factory=list, max_length=MAX_ATTACHMENTS
    )


class StaffFeedbackIn(FeedbackIn):
    """Feedback received by phone, the Zalo hotline, the mobile app or letter, entered by staff."""

    channel: Literal["phone", "zalo", "mobile_app", "letter"]


class NoteIn(_In):
    note: str | None = Field(default=None, max_length=2000)


class FeedbackReasonIn(_In):
    reason: str = Field(min_length=5, max_length=2000)


class QuestionIn(_In):
    question: str = Field(min_length=5, max_length=2000)


class AnswerIn(_In):
    answer: str = Field(min_length=10, max_length=10000)


class RouteIn(_In):
    agency: str = Field(min_length=1, max_length=40)
    category: rules.Category | None = None
    note: str | None = Field(default=None, max_length=2000)


class RatingIn(_In):
    satisfied: bool


class InfoIn(_In):
    """The sender's extra information; `token` (from the receipt of the feedback) or sign-in."""

    content: str = Field(min_length=3, max_length=5000)
    token: str | None = Field(default=None, max_length=100)


# ---- helpers -------------------------------------------------------------------------------------
class _Anonymous:
    sub = "anonymous"
    username = "anonymous"
    role = "anonymous"
    unit: str | None = None


ANONYMOUS = _Anonymous()


def _store(deps: Deps) -> FeedbackStore:
    return FeedbackStore(deps.store.client, deps.store.table)


def deadlines(deps: Deps) -> FeedbackDeadlines:
    return FeedbackDeadlines.from_settings(deps.settings)


def _month(deps: Deps, at: datetime) -> str:
    return deps.calendar.local_date(at).strftime("%Y-%m")


def _audit(deps: Deps, actor: Any, action: str, fb: Feedback, **detail: Any) -> None:
    from chalicelib.services.admin import audit

    audit.record(
        deps,
        actor,
        action,
        stream=feedback_stream(fb.id),
        detail={
            "code": fb.code,
            "state": fb.state,
            "agency": fb.agency,
            "channel": fb.channel,
            **detail,
        },
    )


def recipient(fb: Feedback) -> str | None:
    """Who hears about the feedback: the signed-in sender, else the contact given, else nobody."""
    if fb.sender:
        return fb.sender
    if fb.contact:
        return fb.contact
    return None


_NOTICES: dict[str, tuple[str, str]] = {
    "received": ("Đã tiếp nhận phản ánh, kiến nghị {code}.", "Feedback {code} was received."),
    "accepted": ("Phản ánh {code} đã được thụ lý.", "Feedback {code} was accepted."),
    "refused": ("Phản ánh {code} không được thụ lý.", "Feedback {code} was refused."),
    "info_requested": (
        "Cơ quan đề nghị bổ sung thông tin cho phản ánh {code}.",
        "More information is requested for feedback {code}.",
    ),
    "answered": ("Phản ánh {code} đã có trả lời.", "Feedback {code} has been answered."),
    "published": (
        "Trả lời phản ánh {code} đã được công khai trên trang Hỏi đáp.",
        "The answer to feedback {code} is published on the Q&A page.",
    ),
}


def _notice(fb: Feedback, kind: str, **extra: Any) -> list[tuple[str, dict[str, Any]]]:
    to = recipient(fb)
    if to is None:
        return []
    vi, en = _NOTICES[kind]
    return [
        (
            to,
            {
                "kind": f"feedback_{kind}",
                "feedback_id": fb.id,
                "feedback_code": fb.code,
                "channel": "account" if fb.sender else "contact",
                "message_vi": vi.format(code=fb.code),
                "message_en": en.format(code=fb.code),
                "link": f"/#/feedback/{fb.code}?token={fb.lookup_token}",
                **extra,
            },
        )
    ]


def _commit(
    deps: Deps,
    before: Feedback | None,
    after: Feedback,
    at: datetime,
    *,
    outbox: list[tuple[str, dict[str, Any]]] | None = None,
    extra_counters: list[tuple[str, str, dict[str, int]]] | None = None,
) -> Feedback:
    counters: list[tuple[str, str, dict[str, int]]] = list(extra_counters or [])
    if before is not None:
        metrics = rules.counter_metrics(before, after)
        if metrics:
            counters.append((after.agency, _month(deps, at), metrics))
    return _store(deps).save(
        after,
        None if before is None else before.version,
        counters=counters,
        outbox=outbox or [],
        at=at,
    )


def _route_target(
    deps: Deps, dossier_code: str | None, agency: str | None
) -> tuple[str, str | None]:
    """(agency, dossier code): a dossier code routes to the dossier's lead agency."""
    if dossier_code:
        code = dossier_code.strip()
        dossier = deps.store.find_dossier_by_code(code)
        if dossier is None:
            raise InvalidInput(
                "Không tìm thấy hồ sơ có mã này. Vui lòng kiểm tra lại mã hồ sơ.",
                "No dossier has this code.",
                code="dossier_not_found",
                field="dossier_code",
            )
        return dossier.lead_agency, code
    if not agency:
        raise InvalidInput(
            "Vui lòng chọn cơ quan tiếp nhận phản ánh hoặc nhập mã hồ sơ.",
            "Choose the agency or give a dossier code.",
            code="agency_required",
            field="agency",
        )
    _require_unit_exists(deps, agency, "agency")
    return agency, None


def _require_unit_exists(deps: Deps, unit: str, field: str) -> None:
    if deps.store.get_unit(unit) is None:
        raise InvalidInput(
            "Cơ quan không tồn tại.", f"Unknown agency {unit}.", code="unknown_agency", field=field
        )


def _slots(
    deps: Deps, fb_id: str, files: list[FeedbackAttachmentIn]
) -> tuple[list[str], list[dict[str, Any]]]:
    from chalicelib.store.files import safe_filename

    keys: list[str] = []
    slots: list[dict[str, Any]] = []
    for n, f in enumerate(files, start=1):
        key = f"feedback/{fb_id}/{n:02d}-{safe_filename(f.filename)}"
        post = deps.files.presigned_post(
            key, f.content_type, MAX_ATTACHMENT_BYTES, deps.settings.upload_url_expiry_seconds
        )
        keys.append(key)
        slots.append(
            {"key": key, "filename": f.filename, "url": post["url"], "fields": post["fields"]}
        )
    return keys, slots


def _create(
    deps: Deps,
    actor: Any,
    req: FeedbackIn,
    *,
    channel: str,
    sender: str | None,
    sender_name: str,
    entered_by: str | None,
) -> tuple[Feedback, list[dict[str, Any]]]:
    now = deps.clock()
    agency, dossier_code = _route_target(deps, req.dossier_code, req.agency)
    category = req.category or ("dossier" if dossier_code else "procedure")
    fb_id = uuid.uuid4().hex
    keys, slots = _slots(deps, fb_id, req.attachments)
    fb = rules.create(
        feedback_id=fb_id,
        code=rules.new_code(now, deps.calendar),
        subject=req.subject,
        content=req.content,
        channel=channel,
        category=category,
        agency=agency,
        received_at=now,
        calendar=deps.calendar,
        deadlines=deadlines(deps),
        actor=actor.username,
        actor_role=actor.role,
        anonymous=req.anonymous,
        sender=sender,
        sender_name=sender_name,
        contact=req.contact or None,
        dossier_code=dossier_code,
        publish_consent=req.publish_consent,
        entered_by=entered_by,
        attachments=keys,
    )
    extra = []
    if dossier_code:  # the "satisfied with dossier handling" indicator subtracts these
        extra.append((agency, _month(deps, now), {"feedback_about_dossier": 1}))
    saved = _commit(deps, None, fb, now, outbox=_notice(fb, "received"), extra_counters=extra)
    _audit(deps, actor, "feedback_received", saved, category=category, attachments=len(keys))
    return saved, slots


# ---- intake --------------------------------------------------------------------------------------
def submit_online(
    deps: Deps, actor: Actor | None, req: FeedbackIn
) -> tuple[Feedback, list[dict[str, Any]]]:
    """Online: a signed-in citizen (linked unless they chose anonymity) or anyone anonymously."""
    # linked to the account when its holder may follow their own feedback (`feedback.my.list`)
    linked = actor is not None and role_permits(actor, "feedback.my.list") and not req.anonymous
    sender = actor.sub if linked and actor is not None else None
    name = (
        "" if req.anonymous else (req.name or (getattr(actor, "name", "") if linked else "") or "")
    )
    return _create(
        deps,
        actor if actor is not None else ANONYMOUS,
        req,
        channel="online",
        sender=sender,
        sender_name=name,
        entered_by=None,
    )


def submit_by_staff(
    deps: Deps, actor: Actor, req: StaffFeedbackIn
) -> tuple[Feedback, list[dict[str, Any]]]:
    """Staff record a feedback that arrived by phone, Zalo, the mobile app or letter."""
    return _create(
        deps,
        actor,
        req,
        channel=req.channel,
        sender=None,
        sender_name="" if req.anonymous else (req.name or ""),
        entered_by=actor.username,
    )


# ---- views ---------------------------------------------------------------------------------------
def sender_view(fb: Feedback) -> dict[str, Any]:
    """What the sender sees: their text, the steps, the answer; never staff identities."""
    ans = fb.answer
    return {
        "id": fb.id,
        "code": fb.code,
        "subject": fb.subject,
        "content": fb.content,
        "channel": fb.channel,
        "category": fb.category,
        "agency": fb.agency,
        "dossier_code": fb.dossier_code,
        "anonymous": fb.anonymous,
        "publish_consent": fb.publish_consent,
        "state": fb.state,
        "state_name": rules.STATE_NAMES[fb.state],
        "received_at": fb.received_at,
        "due_at": fb.due_at,
        "refusal_reason": fb.refusal_reason,
        "info_request": fb.info_request if fb.state == "more_info_requested" else None,
        "answer": ans.text if ans else None,
        "answered_at": ans.at if ans else None,
        "rating": None if ans is None else ans.satisfied,
        "can_rate": fb.state in ("answered", "published")
        and ans is not None
        and ans.satisfied is None,
        "can_reopen": fb.state in ("answered", "published") and not fb.reopened,
        "reopened": fb.reopened,
        "published_at": fb.published_at,
        "attachments": len(fb.attachments),
        "history": [{"at": e.at, "action": e.action} for e in fb.history],
    }


def staff_view(fb: Feedback) -> dict[str, Any]:
    return {
        **sender_view(fb),
        "sender_name": fb.sender_name,
        "contact": fb.contact,
        "entered_by": fb.entered_by,
        "due_step": fb.due_step,
        "request_info_due_at": fb.request_info_due_at,
        "info_request": fb.info_request,
        "info_reply": fb.info_reply,
        "late_steps": fb.late_steps,
        "attachment_keys": fb.attachments,
        "answers": [a.model_dump(mode="json") for a in fb.answers],
        "history": [e.model_dump(mode="json") for e in fb.history],
    }


def _token_ok(fb: Feedback, token: str | None) -> bool:
    # bytes: compare_digest refuses str with non-ASCII characters (a TypeError, then a 500)
    return bool(token) and hmac.compare_digest(fb.lookup_token.encode(), str(token).encode())


def get_for_sender(
    deps: Deps, code: str, token: str | None, actor: Actor | None = None
) -> dict[str, Any]:
    """By code with the token given at submission (or as the signed-in sender); else 404."""
    fb = _store(deps).find_by_code(code)
    if not _token_ok(fb, token) and not (actor is not None and fb.sender == actor.sub):
        raise not_found()
    return sender_view(fb)


def list_mine(deps: Deps, actor: Actor) -> list[dict[str, Any]]:
    return [sender_view(fb) for fb in _store(deps).list_by_sender(actor.sub)]


def qa(deps: Deps, q: str = "", limit: int = 100) -> list[dict[str, Any]]:
    """Published answers, newest first, redacted; every word of `q` must match."""
    entries = [rules.public_view(fb) for fb in _store(deps).list_published()]
    return [e for e in entries if rules.matches(e, q)][:limit]


# ---- the sender's actions ------------------------------------------------------------------------
def _own(deps: Deps, actor: Actor, feedback_id: str) -> Feedback:
    fb = _store(deps).get(feedback_id)
    if fb.sender != actor.sub:
        raise not_found()
    return fb


def rate(deps: Deps, actor: Actor, feedback_id: str, req: RatingIn) -> Feedback:
    fb = _own(deps, actor, feedback_id)
    now = deps.clock()
    after = rules.rate(fb, now, req.satisfied, actor=actor.username)
    saved = _commit(deps, fb, after, now)
    _audit(deps, actor, "feedback_rated", saved, satisfied=req.satisfied)
    return saved


def reopen(deps: Deps, actor: Actor, feedback_id: str, req: FeedbackReasonIn) -> Feedback:
    fb = _own(deps, actor, feedback_id)
    now = deps.clock()
    after = rules.reopen(fb, now, req.reason, deps.calendar, deadlines(deps), actor=actor.username)
    saved = _commit(deps, fb, after, now, outbox=_agency_notice(after, "feedback_reopened"))
    _audit(deps, actor, "feedback_reopened", saved)
    return saved


def provide_info(deps: Deps, actor: Actor | None, code: str, req: InfoIn) -> Feedback:
    fb = _store(deps).find_by_code(code)
    if not _token_ok(fb, req.token) and not (actor is not None and fb.sender == actor.sub):
        raise not_found()
    now = deps.clock()
    who = actor.username if actor is not None else "sender"
    after = rules.provide_info(fb, now, req.content, deps.calendar, actor=who, role="sender")
    saved = _commit(deps, fb, after, now, outbox=_agency_notice(after, "feedback_info_provided"))
    _audit(deps, actor or ANONYMOUS, "feedback_info_provided", saved)
    return saved


def _agency_notice(fb: Feedback, kind: str, **extra: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            agency_recipient(fb.agency),
            {
                "kind": kind,
                "feedback_id": fb.id,
                "feedback_code": fb.code,
                "agency": fb.agency,
                "due_at": iso(fb.due_at),
                "due_step": fb.due_step,
                **extra,
            },
        )
    ]


# ---- staff ---------------------------------------------------------------------------------------
def _staff_get(deps: Deps, actor: Actor, feedback_id: str, *, write: bool = True) -> Feedback:
    """Staff read and handle their unit's feedback (`feedback.staff.read`, `.handle`); the province
    office reads every unit's, administrators read and handle every unit's. Another unit's
    feedback is "not found" (its existence is not disclosed); the province office handling
    another unit's is refused with its own message (it routes, the agency handles)."""
    fb = _store(deps).get(feedback_id)
    related = Related.of(units=[fb.agency])
    if permits(actor, "feedback.staff.handle" if write else "feedback.staff.read", related):
        return fb
    if write and permits(actor, "feedback.staff.read", related):
        raise Forbidden(
            "Văn phòng UBND tỉnh chỉ điều chuyển phản ánh, không xử lý thay cơ quan.",
            "The province office routes feedback; the agency handles it.",
            code="forbidden_role",
        )
    raise not_found()


def get_for_staff(deps: Deps, actor: Actor, feedback_id: str) -> dict[str, Any]:
    fb = _staff_get(deps, actor, feedback_id, write=False)
    return staff_view(fb)


def list_queue(deps: Deps, actor: Actor) -> list[dict[str, Any]]:
    """Open feedback, soonest due first: the caller's unit, or every unit for province/admin."""
    store = _store(deps)
    if unrestricted(actor, "feedback.staff.read"):
        items = store.list_open(None)
    else:
        items = store.list_open(actor.unit or "-")
    now = deps.clock()
    out = []
    for fb in items:
        view = staff_view(fb)
        view["late"] = fb.due_at is not None and not fb.is_paused and now > fb.due_at
        out.append(view)
    return out


def _act(
    deps: Deps,
    actor: Actor,
    fb: Feedback,
    after: Feedback,
    action: str,
    kind: str | None,
    **detail: Any,
) -> Feedback:
    now = after.history[-1].at if after.history else deps.clock()
    outbox = _notice(after, kind) if kind else []
    saved = _commit(deps, fb, after, now, outbox=outbox)
    _audit(deps, actor, action, saved, **detail)
    return saved


def accept(deps: Deps, actor: Actor, feedback_id: str, req: NoteIn) -> Feedback:
    fb = _staff_get(deps, actor, feedback_id)
    now = deps.clock()
    after = rules.accept(
        fb,
        now,
        deps.calendar,
        deadlines(deps),
        actor=actor.username,
        role=actor.role,
        note=req.note or "",
    )
    return _act(deps, actor, fb, after, "feedback_accepted", "accepted")


def refuse(deps: Deps, actor: Actor, feedback_id: str, req: FeedbackReasonIn) -> Feedback:
    fb = _staff_get(deps, actor, feedback_id)
    after = rules.refuse(fb, deps.clock(), req.reason, actor=actor.username, role=actor.role)
    return _act(deps, actor, fb, after, "feedback_refused", "refused", late=after.cycle_late)


def request_info(deps: Deps, actor: Actor, feedback_id: str, req: QuestionIn) -> Feedback:
    fb = _staff_get(deps, actor, feedback_id)
    after = rules.request_info(
        fb, deps.clock(), req.question, actor=actor.username, role=actor.role
    )
    return _act(deps, actor, fb, after, "feedback_info_requested", "info_requested")


def answer(deps: Deps, actor: Actor, feedback_id: str, req: AnswerIn) -> Feedback:
    fb = _staff_get(deps, actor, feedback_id)
    after = rules.answer(
        fb,
        deps.clock(),
        req.answer,
        deps.calendar,
        deadlines(deps),
        actor=actor.username,
        role=actor.role,
    )
    return _act(deps, actor, fb, after, "feedback_answered", "answered", late=after.cycle_late)


def publish(deps: Deps, actor: Actor, feedback_id: str) -> Feedback:
    fb = _staff_get(deps, actor, feedback_id)
    after = rules.publish(fb, deps.clock(), actor=actor.username, role=actor.role)
    return _act(deps, actor, fb, after, "feedback_published", "published", late=after.cycle_late)


def route(deps: Deps, actor: Actor, feedback_id: str, req: RouteIn) -> Feedback:
    """The province office (or an administrator) re-routes a feedback to another agency."""
    if not role_permits(actor, "feedback.staff.route"):
        raise Forbidden(
            "Chỉ Văn phòng UBND tỉnh điều chuyển phản ánh giữa các cơ quan.",
            "Only the province office routes feedback.",
            code="forbidden_role",
        )
    fb = _staff_get(deps, actor, feedback_id, write=False)
    _require_unit_exists(deps, req.agency, "agency")
    after = rules.reroute(
        fb,
        deps.clock(),
        req.agency,
        req.category,
        actor=actor.username,
        role=actor.role,
        note=req.note or "",
    )
    saved = _commit(
        deps, fb, after, after.history[-1].at, outbox=_agency_notice(after, "feedback_routed")
    )
    _audit(deps, actor, "feedback_routed", saved, from_agency=fb.agency)
    return saved


# ---- the scheduled deadline check ----------------------------------------------------------------
def check_feedback_deadlines(deps: Deps, now: datetime | None = None) -> list[dict[str, Any]]:
    """Due-soon and overdue alerts for open feedback: one bounded Query of each agency's sparse
    open index (only items due before the warning horizon), never a Scan. Each alert is recorded
    once per step and cycle: an audit event and an outbox item for the agency."""
    from chalicelib.domain.actors import SYSTEM

    now = now or deps.clock()
    cal = deps.calendar
    dl = deadlines(deps)
    horizon = cal.add_working_seconds(now, round(dl.warn_before_days * cal.day_seconds))
    store = _store(deps)
    alerts: list[dict[str, Any]] = []
    for unit in deps.store.list_units():
        for fb in store.list_open(unit.code, due_before=iso(horizon) + "~"):
            kind = rules.alarm_due(fb, now, cal, dl)
            if kind is None:
                continue
            after = rules.mark_alarm(fb, kind)
            outbox = _agency_notice(after, f"feedback_{kind}")
            try:
                saved = store.save(after, fb.version, outbox=outbox, at=now)
            except Conflict:  # changed meanwhile: the next run decides again
                continue
            _audit(deps, SYSTEM, f"feedback_{kind}", saved, step=fb.due_step, due_at=iso(fb.due_at))
            alerts.append({"code": fb.code, "agency": fb.agency, "kind": kind, "step": fb.due_step})
    return alerts
