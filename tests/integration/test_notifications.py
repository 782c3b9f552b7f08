"""Notifications: the outbox (ours and the feedback feature's items) drained to SES on moto, with
claims so nothing is sent twice, retries, and the failed partition; dossier events → templates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.integrations.notify import MemoryNotifier, Message
from chalicelib.services.care import notifications
from infra.resources import Outputs
from tests.support.client import ApiClient
from tests.support.journeys import FEE_PAID_AT_DESK, submit_online

pytestmark = pytest.mark.integration


def _deps() -> Any:
    from chalicelib.services.deps import get_deps, set_deps

    set_deps(None)
    return get_deps()


def _sent(region: str) -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages)


def _items(deps: Any, recipient: str) -> list[dict[str, Any]]:
    resp = deps.store.client.query(
        TableName=deps.store.table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"NOTIFY#{recipient}"}},
    )
    items: list[dict[str, Any]] = resp["Items"]
    return items


def _data(**extra: Any) -> dict[str, Any]:
    return {
        "dossier_id": "d1",
        "code": "H33.03-261130-0001",
        "name": "Nguyễn V** A*",
        "procedure": "2.001610",
        "received_at": "08:00 30/11/2026",
        "appointment_at": "08:00 07/12/2026",
        "link": "http://localhost:8000/#/my/d1",
        **extra,
    }


def test_enqueue_then_send_via_ses_once(aws: Outputs) -> None:
    deps = _deps()
    before = len(_sent(aws.region))
    notifications.enqueue(deps, "an@example.com", "dossier_received", _data())
    deps.store.put_profile("sub-123", {"role": "citizen", "email": "binh@example.com"})
    notifications.enqueue(deps, "sub-123", "fee_requested", _data(amount="100.000 đồng"))

    now = datetime.now(UTC) + timedelta(seconds=1)
    stats = notifications.send_pending(deps, now)
    assert stats["sent"] == 2, stats
    sent = _sent(aws.region)[before:]
    by_to = {m.destinations["ToAddresses"][0]: m for m in sent}
    received = by_to["an@example.com"]
    assert received.subject == "Đã tiếp nhận hồ sơ H33.03-261130-0001"
    assert "Ngày hẹn trả kết quả: 08:00 07/12/2026" in received.body
    assert "Nguyễn V** A*" in received.body
    assert received.source == deps.settings.report_sender
    assert "100.000 đồng" in by_to["binh@example.com"].body
    assert "http://localhost:8000/#/my/d1" in by_to["binh@example.com"].body

    (item,) = _items(deps, "an@example.com")
    assert item["state"]["S"] == "sent" and "GSI1PK" not in item
    assert notifications.send_pending(deps, now + timedelta(hours=1))["sent"] == 0
    assert len(_sent(aws.region)) == before + 2


def test_feedback_outbox_items_are_drained_too(aws: Outputs) -> None:
    from chalicelib.store.feedback import FeedbackStore

    deps = _deps()
    at = datetime.now(UTC)
    put = FeedbackStore(deps.store.client, deps.store.table).outbox_put(
        "dan@example.com",
        at,
        0,
        {"kind": "feedback_answered", "feedback_id": "fb1", "message_vi": "Đã trả lời PAKN."},
    )
    deps.store.client.put_item(**put["Put"])
    sink = MemoryNotifier()
    stats = notifications.send_pending(deps, at + timedelta(seconds=1), sink)
    assert stats["sent"] == 1
    assert sink.sent[0].to == "dan@example.com" and "Đã trả lời PAKN." in sink.sent[0].text


def test_two_workers_never_send_the_same_item(aws: Outputs) -> None:
    deps = _deps()
    notifications.enqueue(deps, "an@example.com", "result_ready", _data())
    now = datetime.now(UTC) + timedelta(seconds=1)
    inner: list[dict[str, int]] = []

    class Racing(MemoryNotifier):
        def send(self, message: Message) -> str:
            # A second worker runs while the first is sending: the item is claimed already.
            inner.append(notifications.send_pending(deps, now, MemoryNotifier()))
            return super().send(message)

    first = Racing()
    assert notifications.send_pending(deps, now, first)["sent"] == 1
    assert inner == [{"sent": 0, "retried": 0, "failed": 0, "skipped": 0, "lost_claims": 0}]
    assert len(first.sent) == 1


def test_failing_sender_retries_then_moves_to_failed(aws: Outputs) -> None:
    deps = _deps()
    notifications.enqueue(deps, "an@example.com", "dossier_stopped", _data(reason="Quá hạn."))
    now = datetime.now(UTC) + timedelta(seconds=1)
    flaky = MemoryNotifier(fail=10)
    assert notifications.send_pending(deps, now, flaky, max_attempts=3)["retried"] == 1
    # Backed off: not due again at once.
    assert notifications.send_pending(deps, now, flaky, max_attempts=3)["retried"] == 0
    later = now + timedelta(minutes=5)
    assert notifications.send_pending(deps, later, flaky, max_attempts=3)["retried"] == 1
    final = notifications.send_pending(deps, later + timedelta(minutes=10), flaky, max_attempts=3)
    assert final["failed"] == 1
    (item,) = _items(deps, "an@example.com")
    assert item["state"]["S"] == "failed" and item["GSI1PK"]["S"] == "OUTBOX#FAILED"
    assert item["attempts"]["N"] == "3" and item["last_error"]["S"]
    assert notifications.send_pending(deps, later + timedelta(days=1), flaky)["failed"] == 0
    assert flaky.sent == []


def test_recipient_without_address_or_sms_only_is_skipped(aws: Outputs) -> None:
    deps = _deps()
    notifications.enqueue(deps, "0901234567", "result_ready", _data())
    notifications.enqueue(deps, "sub-without-profile", "result_ready", _data())
    sink = MemoryNotifier()
    stats = notifications.send_pending(deps, datetime.now(UTC) + timedelta(seconds=1), sink)
    assert stats["skipped"] == 2 and sink.sent == []
    (phone,) = _items(deps, "0901234567")
    assert phone["reason"]["S"] == "sms_no_consent"


def test_history_events_become_masked_messages(api: ApiClient, aws: Outputs) -> None:
    from chalicelib.services.deps import get_deps

    d = submit_online(api, "2.001610")
    r = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/accept", {"fee_collected": False})
    assert r.status_code == 200, r.text
    deps = get_deps()
    dossier = deps.store.get_dossier(d["id"])
    events = deps.store.history(d["id"])
    assert notifications.on_history_events(deps, dossier, events) >= 2
    items = _items(deps, dossier.owner or "")
    kinds = {i["kind"]["S"] for i in items}
    assert {"dossier_received", "fee_requested"} <= kinds
    texts = [json.loads(i["data"]["S"])["message_vi"] for i in items]
    fee = next(t for t in texts if "nghĩa vụ tài chính" in t)
    assert dossier.code and dossier.code in fee and "100.000" in fee
    assert f"/#/my/{dossier.id}" in fee
    for t in texts:
        assert "Nguyễn V** A*" in t
        assert "Nguyễn Văn An" not in t and "093090001234" not in t and "0901234567" not in t


def test_sms_only_with_consent_and_withdrawal_stops_it(api: ApiClient, aws: Outputs) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    from chalicelib.domain.consents import TEXTS
    from chalicelib.services.deps import get_deps
    from chalicelib.services.privacy import privacy_rights

    d = submit_online(api, "2.001610")
    deps = get_deps()
    dossier = deps.store.get_dossier(d["id"])
    owner: str = dossier.owner or ""
    assert owner

    class Owner:
        sub = owner
        username = "congdan"
        role = "citizen"
        unit = None

    version = TEXTS["sms_notifications"].version
    privacy_rights.set_consent(deps, Owner(), "sms_notifications", True, version)
    r = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
    assert r.status_code == 200, r.text
    dossier = deps.store.get_dossier(d["id"])
    # The store's commit hook (set in get_deps) queued the receipt's e-mail and SMS already.
    received = [e for e in deps.store.history(d["id"]) if e.action == "received"]
    assert len(received) == 1
    sms = sns_backends[DEFAULT_ACCOUNT_ID][aws.region].sms_messages
    before = len(sms)
    now = datetime.now(UTC) + timedelta(seconds=1)
    assert notifications.send_pending(deps, now)["sent"] == 2
    assert len(sms) == before + 1
    phone, text = list(sms.values())[-1]
    assert phone == "+84901234567" and dossier.code and dossier.code in text

    # Withdrawn: the next SMS item is skipped at send time.
    privacy_rights.set_consent(deps, Owner(), "sms_notifications", False, version)
    notifications.enqueue(deps, owner, "result_ready", _data(dossier_id=dossier.id), channel="sms")
    stats = notifications.send_pending(deps, now + timedelta(seconds=5))
    assert stats["skipped"] == 1 and len(sms) == before + 1
