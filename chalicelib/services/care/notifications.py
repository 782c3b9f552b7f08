"""Citizen notifications: Vietnamese templates, the outbox, and the sender that drains it.

Outbox item (the shape the feedback and rating features already write, docs/design.md "Table"):
PK `NOTIFY#<sub | contact | AGENCY#unit>`, SK `<at>#<ref>#<n:02d>`, `data` JSON (kind, subject_vi,
message_vi, link, recipient, at, ...), `state` pending | sending | sent | failed | skipped,
`attempts`; GSI1 `OUTBOX#PENDING` / `<not before>#<recipient>` until sent, `OUTBOX#FAILED` /
`<at>#<recipient>` after the last attempt.

`send_pending(deps, now)` Queries GSI1 `OUTBOX#PENDING` for items due by `now` (never a Scan),
claims each with a conditional update (state pending and the sort key it read) before sending, so
two workers never send the same item; a failure puts it back with a later sort key (backoff), and
after `notify_max_attempts` it moves to `OUTBOX#FAILED`. A worker that dies after its claim lets
the claim lapse (5 minutes), then the item is retried.

Agencies: an item for `AGENCY#<unit>` (alerts, the digest, feedback notices) goes to the e-mails of
the unit's staff and leaders (their profiles, GSI3 `STAFFUNIT#<unit>`), as one message; a unit
without any is `skipped`.

Personal data: messages name the applicant masked (`mask_name`) and never carry ID numbers or
addresses; logs show masked addresses only.

SMS: an account holder who gave the `sms_notifications` consent (`privacy_rights.has_consent`)
also gets an SMS item (`channel` sms) to the dossier's phone; consent is checked again when sending,
so a withdrawal takes effect at once (`skipped`, reason `sms_no_consent`). A bare phone number
without an account (a feedback contact) has no consent record and is skipped the same way.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.documents.vn_format import format_vn_datetime, format_vnd
from chalicelib.domain.masking import mask_email, mask_name, mask_phone
from chalicelib.domain.statuses import DossierStatus
from chalicelib.integrations.notify import Message, Notifier, SendError
from chalicelib.store import outbox

if TYPE_CHECKING:
    from chalicelib.domain.dossier import Dossier, HistoryEvent
    from chalicelib.services.container import Deps

log = logging.getLogger(__name__)
S = DossierStatus

PENDING = outbox.PENDING
FAILED = outbox.FAILED
CLAIM_SECONDS = 300

# template -> (subject, body); `{name}` is already masked.
TEMPLATES: dict[str, tuple[str, str]] = {
    "dossier_received": (
        "Đã tiếp nhận hồ sơ {code}",
        "Kính gửi {name},\nHồ sơ {code} ({procedure}) đã được tiếp nhận lúc {received_at}.\n"
        "Ngày hẹn trả kết quả: {appointment_at}.\nTra cứu: {link}",
    ),
    "supplement_requested": (
        "Hồ sơ {code} cần bổ sung",
        "Kính gửi {name},\nHồ sơ {code} cần bổ sung, hoàn thiện với lý do: {reason}\n"
        "Hạn bổ sung: {deadline}. Thời gian giải quyết tạm dừng trong khi chờ bổ sung.\n"
        "Bổ sung tại: {link}",
    ),
    "fee_requested": (
        "Hồ sơ {code}: đề nghị nộp phí, lệ phí",
        "Kính gửi {name},\nHồ sơ {code} chờ thực hiện nghĩa vụ tài chính: {amount} ({reason}).\n"
        "Hạn nộp: {deadline}. Thanh toán trực tuyến tại: {link}",
    ),
    "extension_approved": (
        "Hồ sơ {code}: thư xin lỗi và hẹn lại ngày trả kết quả",
        "Kính gửi {name},\nCơ quan giải quyết xin lỗi vì hồ sơ {code} chưa thể trả kết quả "
        "đúng hẹn. Lý do: {reason}\nNgày hẹn trả kết quả mới: {appointment_at}.\nTra cứu: {link}",
    ),
    "result_ready": (
        "Hồ sơ {code} đã có kết quả",
        "Kính gửi {name},\nHồ sơ {code} đã có kết quả giải quyết. Mời ông/bà nhận kết quả "
        "theo hình thức đã đăng ký hoặc tải bản điện tử tại: {link}",
    ),
    "dossier_refused": (
        "Hồ sơ {code} không được tiếp nhận",
        "Kính gửi {name},\nHồ sơ của ông/bà không được tiếp nhận. Lý do: {reason}\n"
        "Chi tiết: {link}",
    ),
    "dossier_stopped": (
        "Hồ sơ {code} bị dừng giải quyết",
        "Kính gửi {name},\nHồ sơ {code} đã bị dừng giải quyết. Lý do: {reason}\nChi tiết: {link}",
    ),
    "dossier_withdrawn": (
        "Hồ sơ {code} đã được rút",
        "Kính gửi {name},\nHồ sơ {code} đã được rút theo yêu cầu. Chi tiết: {link}",
    ),
    "fee_paid": (
        "Hồ sơ {code}: đã nhận thanh toán",
        "Kính gửi {name},\nĐã nhận {amount} cho hồ sơ {code}. Hồ sơ tiếp tục được giải quyết.\n"
        "Biên lai: {link}",
    ),
    "staff_alert": (
        "[{agency}] {alert}: hồ sơ {code}",
        "{alert}.\nHồ sơ: {code}\nBước xử lý: {step}\nThời điểm: {at}\nXử lý tại: {link}",
    ),
    "agency_digest": (
        "[{agency}] Hồ sơ cần xử lý ngày {day}: {overdue} quá hạn, {due_today} đến hạn hôm nay, "
        "{due_soon} sắp đến hạn",
        "Tổng hợp hồ sơ, bước xử lý của {agency_name} ngày {day}.\n\n{lines}\n\n"
        "Xem và xử lý tại: {link}",
    ),
    "password_reset_code": (
        "Mã đặt lại mật khẩu Cổng dịch vụ công",
        "Mã xác nhận để đặt lại mật khẩu tài khoản {username} là: {code}\n"
        "Mã có hiệu lực trong 1 giờ và chỉ dùng được một lần. Nếu ông/bà không yêu cầu đặt lại "
        "mật khẩu, hãy bỏ qua thư này; không cung cấp mã cho bất kỳ ai, kể cả cán bộ.",
    ),
    # Reminders (NĐ 224/2026 Đ16, services/care/reminders.py); each says how to turn it off.
    "reminder_appointment": (
        "Nhắc lịch: hồ sơ {code} có hẹn trả kết quả {appointment_at}",
        "Kính gửi {name},\nHồ sơ {code} ({procedure}) có ngày hẹn trả kết quả: {appointment_at}."
        "\nTình trạng hiện tại: {status}. Ông/bà sẽ nhận được thông báo khi có kết quả; nếu "
        "nhận kết quả tại Bộ phận Một cửa, vui lòng mang theo giấy tiếp nhận và hẹn trả kết quả."
        "\nTheo dõi tại: {link}\nTắt loại nhắc việc này tại: {settings_link}",
    ),
    "reminder_supplement": (
        "Nhắc hạn: hồ sơ {code} cần bổ sung trước {deadline}",
        "Kính gửi {name},\nHồ sơ {code} ({procedure}) đang chờ ông/bà bổ sung, hoàn thiện. "
        "Hạn bổ sung: {deadline}. Quá hạn mà chưa bổ sung, hồ sơ có thể bị dừng giải quyết."
        "\nBổ sung tại: {link}\nTắt loại nhắc việc này tại: {settings_link}",
    ),
    "reminder_fee": (
        "Nhắc hạn: hồ sơ {code} cần nộp phí, lệ phí trước {deadline}",
        "Kính gửi {name},\nHồ sơ {code} ({procedure}) đang chờ thực hiện nghĩa vụ tài chính: "
        "{amount}. Hạn nộp: {deadline}. Quá hạn mà chưa nộp, hồ sơ có thể bị dừng giải quyết."
        "\nThanh toán trực tuyến tại: {link}\nTắt loại nhắc việc này tại: {settings_link}",
    ),
    "reminder_expiry": (
        "Nhắc gia hạn: kết quả của hồ sơ {code} hết hiệu lực ngày {valid_until}",
        "Kính gửi {name},\nKết quả giải quyết hồ sơ {code} ({procedure}) có hiệu lực đến "
        "{valid_until}. Nếu cần tiếp tục sử dụng, ông/bà vui lòng làm thủ tục gia hạn, cấp lại "
        "trước thời hạn này.\nThủ tục gia hạn: {renew_link}\n"
        "Tắt loại nhắc việc này tại: {settings_link}",
    ),
    "feedback_answered": (
        "Phản ánh, kiến nghị {code} đã được trả lời",
        "Kính gửi ông/bà,\nPhản ánh, kiến nghị {code} đã có văn bản trả lời. Xem tại: {link}",
    ),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, data: Mapping[str, Any]) -> tuple[str, str]:
    subject, body = TEMPLATES[template]
    values = _Blank({k: "" if v is None else v for k, v in data.items()})
    return subject.format_map(values), body.format_map(values)


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


# ---- writing the outbox ----------------------------------------------------------------------
def outbox_item(
    recipient: str,
    template: str,
    data: Mapping[str, Any],
    at: datetime,
    ref: str,
    n: int = 0,
    channel: str = "email",
) -> dict[str, Any]:
    subject, text = render(template, data)
    payload = {
        "kind": template,
        "template": template,
        "subject_vi": subject,
        "message_vi": text,
        "link": data.get("link"),
        "dossier_id": data.get("dossier_id"),
        "dossier_code": data.get("code"),
        "recipient": recipient,
        "at": _iso(at),
        "channel": channel,
    }
    return outbox.pending_item(
        recipient,
        _iso(at),
        f"{ref}#{n:02d}",
        payload,
        kind={"S": template},
        attempts={"N": "0"},
    )


def enqueue(
    deps: Deps,
    recipient: str,
    template: str,
    data: Mapping[str, Any],
    ref: str | None = None,
    channel: str = "email",
    at: datetime | None = None,
) -> None:
    """Write one outbox item (idempotent per `ref`: a repeated call with the same ref and time
    does not add a second; pass the event's own `at` to make a retried job idempotent)."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template}")
    at = at or deps.clock()
    n = 1 if channel == "sms" else 0
    item = outbox_item(recipient, template, data, at, ref or uuid.uuid4().hex[:12], n, channel)
    try:
        deps.store.client.put_item(
            TableName=deps.store.table, Item=item, ConditionExpression="attribute_not_exists(PK)"
        )
    except deps.store.client.exceptions.ConditionalCheckFailedException:
        pass


def enqueue_once(
    deps: Deps,
    once: str,
    recipient: str,
    template: str,
    data: Mapping[str, Any],
    at: datetime,
    *,
    sms: bool = False,
    keep_until: datetime | None = None,
) -> bool:
    """Write the e-mail (and with `sms` the SMS) item of `template` only if `once` was never
    written before: a marker `ONCE#<once>` and the items in one transaction, so a job run twice,
    or at another hour, writes one message. True when written now, False when already there."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template}")
    table = deps.store.table
    marker: dict[str, Any] = {
        "PK": {"S": f"ONCE#{once}"},
        "SK": {"S": "ONCE"},
        "recipient": {"S": recipient},
        "at": {"S": _iso(at)},
    }
    if keep_until is not None:
        marker["expiration"] = {"N": str(int(keep_until.timestamp()))}
    ops: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": marker,
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
        {"Put": {"TableName": table, "Item": outbox_item(recipient, template, data, at, once)}},
    ]
    if sms:
        item = outbox_item(recipient, template, data, at, once, 1, "sms")
        ops.append({"Put": {"TableName": table, "Item": item}})
    try:
        deps.store.client.transact_write_items(TransactItems=ops)
    except deps.store.client.exceptions.TransactionCanceledException as exc:
        reasons = exc.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise
    return True


def outbox_for(deps: Deps, recipient: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest messages written for one recipient (sub, e-mail or contact), any state: one
    Query of its partition, newest first."""
    items = outbox.newest_for(deps.store.client, deps.store.table, recipient, limit)
    return [{**json.loads(i["data"]["S"]), "state": i.get("state", {}).get("S", "")} for i in items]


# ---- dossier events -> messages ----------------------------------------------------------------
def dossier_recipient(d: Dossier) -> str | None:
    """The account that owns the dossier, else the e-mail the applicant gave, else nobody."""
    if d.owner:
        return d.owner
    if d.applicant.email:
        return str(d.applicant.email)
    return None


def _template_for(d: Dossier, e: HistoryEvent) -> str | None:
    if e.action == "received":
        return "dossier_received"
    if e.action == "refused":
        return "dossier_refused"
    if e.action == "extension_approved":
        return "extension_approved"
    if e.action == "fee_paid":
        return "fee_paid"
    to = e.to_status
    if to is None or to == e.from_status:
        return None
    return {
        S.SUPPLEMENT_REQUESTED: "supplement_requested",
        S.AWAITING_FEE: "fee_requested",
        S.PROCESSED: "result_ready",
        S.STOPPED: "dossier_stopped",
        S.WITHDRAWN: "dossier_withdrawn",
    }.get(to)


def _data(deps: Deps, d: Dossier, e: HistoryEvent) -> dict[str, Any]:
    base = deps.settings.public_base_url.rstrip("/")
    fee = d.fee
    deadline = None
    if e.to_status == S.SUPPLEMENT_REQUESTED and d.supplement_due_at:
        deadline = format_vn_datetime(d.supplement_due_at)
    elif e.to_status == S.AWAITING_FEE and fee is not None and fee.due_at is not None:
        deadline = format_vn_datetime(fee.due_at)
    reason = e.note or ""
    if e.to_status == S.SUPPLEMENT_REQUESTED:
        reason = d.supplement_reason or reason
    elif e.to_status == S.AWAITING_FEE and fee is not None:
        reason = fee.reason
    elif e.action == "refused":
        reason = d.refusal_reason or reason
    return {
        "dossier_id": d.id,
        "code": d.code or "",
        "name": mask_name(d.applicant.name),
        "procedure": d.procedure_code,
        "received_at": format_vn_datetime(d.received_at) if d.received_at else "",
        "appointment_at": format_vn_datetime(d.appointment_at) if d.appointment_at else "",
        "reason": reason,
        "deadline": deadline or "",
        "amount": format_vnd(fee.amount_vnd) if fee is not None else "",
        "link": f"{base}/#/my/{d.id}",
    }


def on_history_events(deps: Deps, dossier: Dossier, events: Iterable[HistoryEvent]) -> int:
    """Called after a committed change: one outbox item per event that concerns the citizen.
    Never raises (a notification must not undo a committed change); returns the number queued."""
    to = dossier_recipient(dossier)
    if to is None:
        return 0
    n = 0
    for i, e in enumerate(events):
        template = _template_for(dossier, e)
        if template is None:
            continue
        try:
            ref = f"{dossier.id}#{e.action}#{dossier.version}#{i}"
            data = _data(deps, dossier, e)
            enqueue(deps, to, template, data, ref=ref)
            n += 1
            if dossier.owner and dossier.applicant.phone and sms_allowed(deps, dossier.owner):
                enqueue(deps, to, template, data, ref=ref, channel="sms")
                n += 1
        except Exception:  # logged, never raised: the change is committed already
            log.exception("notification for dossier %s not queued", dossier.id)
    return n


# ---- sending ------------------------------------------------------------------------------------
def default_notifier(deps: Deps) -> Notifier:
    from chalicelib.integrations.notify import Router, SesEmail, SnsSms, TableLog

    s = deps.settings
    if s.notify_channel == "log":
        return TableLog(deps.store.client, deps.store.table)
    return Router(email=SesEmail(s.notify_sender or s.report_sender), sms=SnsSms(s.sms_sender_id))


def sms_allowed(deps: Deps, sub: str) -> bool:
    """The citizen's `sms_notifications` consent, now (False when consents are unavailable)."""
    try:
        from chalicelib.services.privacy.privacy_rights import has_consent

        return bool(has_consent(deps, sub, "sms_notifications"))
    except Exception:  # no consents module or record: no SMS
        log.debug("sms consent unavailable", exc_info=True)
        return False


def e164(phone: str) -> str:
    """A Vietnamese number as E.164 (+84...), as SNS wants it."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("0"):
        return "+84" + digits[1:]
    return "+" + digits


def _sms_address(deps: Deps, recipient: str, data: Mapping[str, Any]) -> tuple[str, str] | str:
    if "@" in recipient or outbox.agency_of(recipient) is not None:
        return "sms_no_consent"
    if not sms_allowed(deps, recipient):
        return "sms_no_consent"
    phone = ""
    if data.get("dossier_id"):
        try:
            phone = deps.store.get_dossier(str(data["dossier_id"])).applicant.phone
        except Exception:
            phone = ""
    phone = phone or str((deps.store.get_profile(recipient) or {}).get("phone") or "")
    return ("sms", e164(phone)) if phone else "no_address"


def _address(
    deps: Deps, recipient: str, data: Mapping[str, Any] | None = None
) -> tuple[str, str] | str:
    """(channel, address), or the reason the item cannot be sent."""
    if (data or {}).get("channel") == "sms":
        return _sms_address(deps, recipient, data or {})
    agency = outbox.agency_of(recipient)
    if agency is not None:
        emails = _staff_emails(deps, agency)
        return ("email", ", ".join(emails)) if emails else "no_staff_address"
    if "@" in recipient:
        return ("email", recipient)
    digits = "".join(ch for ch in recipient if ch.isdigit())
    if recipient.lstrip("+").replace(" ", "").replace(".", "").isdigit() and len(digits) >= 8:
        return "sms_no_consent"  # a bare phone contact has no consent record
    profile = deps.store.get_profile(recipient)
    email = (profile or {}).get("email")
    if email:
        return ("email", str(email))
    return "no_address"


def _staff_emails(deps: Deps, unit: str) -> list[str]:
    """The unit's staff and leaders with an e-mail and an unlocked account."""
    found = {
        str(p["email"])
        for p in deps.store.staff_profiles(unit)
        if p.get("email") and not p.get("locked_at")
    }
    return sorted(found)


def _masked(address: str) -> str:
    if "," in address:
        return ", ".join(_masked(a.strip()) for a in address.split(","))
    return mask_email(address) if "@" in address else mask_phone(address)


def send_pending(
    deps: Deps,
    now: datetime,
    notifier: Notifier | None = None,
    *,
    limit: int = 100,
    max_attempts: int | None = None,
) -> dict[str, int]:
    """Drain due outbox items; {sent, retried, failed, skipped, lost_claims}."""
    sender = notifier or default_notifier(deps)
    attempts_max = max_attempts or deps.settings.notify_max_attempts
    client, table = deps.store.client, deps.store.table
    stats = {"sent": 0, "retried": 0, "failed": 0, "skipped": 0, "lost_claims": 0}
    for item in outbox.due(client, table, _iso(now), limit):
        recipient = outbox.recipient_of(item)
        claimed = outbox.claim_mark(_iso(now + timedelta(seconds=CLAIM_SECONDS)), recipient)
        if not outbox.claim(client, table, item, claimed):
            stats["lost_claims"] += 1  # another worker has it
            continue
        attempts = int(item.get("attempts", {}).get("N", "0")) + 1
        data = json.loads(item["data"]["S"])
        where = _address(deps, recipient, data)
        if isinstance(where, str):
            outbox.mark_skipped(client, table, item, claimed, where)
            stats["skipped"] += 1
            continue
        channel, address = where
        subject = str(data.get("subject_vi") or "Thông báo từ Cổng dịch vụ công")
        text = str(data.get("message_vi") or "")
        if data.get("link") and str(data["link"]) not in text:
            text += f"\n{data['link']}"
        if channel == "sms":  # short: the subject and the link only
            text = f"{subject}. {data.get('link') or ''}".strip()
        try:
            message_id = sender.send(Message(channel, address, subject, text))
        except SendError as exc:
            last = attempts >= attempts_max
            backoff = timedelta(minutes=2 ** min(attempts, 6))
            outbox.mark_failed(
                client,
                table,
                item,
                claimed,
                last=last,
                at=_iso(now if last else now + backoff),
                error=str(exc)[:200],
            )
            log.warning(
                "notification to %s failed (attempt %d): %s", _masked(address), attempts, exc
            )
            stats["failed" if last else "retried"] += 1
            continue
        outbox.mark_sent(
            client, table, item, claimed, at=_iso(now), message_id=message_id, channel=channel
        )
        log.info("notification %s sent to %s", data.get("kind"), _masked(address))
        stats["sent"] += 1
    return stats


def run_scheduled(deps: Deps, now: datetime) -> dict[str, int]:
    """The every-minute schedule: drain until a round sends nothing (bounded)."""
    total: dict[str, int] = {}
    for _ in range(10):
        stats = send_pending(deps, now)
        for k, v in stats.items():
            total[k] = total.get(k, 0) + v
        if sum(stats.values()) == 0:
            break
    return total
