"""The audit log over the real app and table (in-process moto).

GIVEN a dossier driven through its status changes and a staff read WHEN nothing is touched THEN its
chain and the day's log verify; WHEN an event is edited, deleted, reordered, or the newest deleted
directly in the table THEN both verifiers name the first broken link. Concurrent appends to one
stream serialise on the head.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from tests.support.client import ApiClient
from tests.support.journeys import FEE_PAID_AT_DESK, submit_online

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Person:
    sub: str
    username: str
    role: str
    unit: str | None


DESK = Person("sub-desk", "motcua", "desk", "H33.50")
CITIZEN = Person("sub-citizen", "congdan", "citizen", None)


@pytest.fixture
def atomic_moto() -> Iterator[None]:
    """DynamoDB transactions are atomic; moto's are not across threads (a cancelled one restores
    a table snapshot, erasing a concurrent write). Serialise moto's table operations here."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    names = ("transact_write_items", "get_item", "put_item", "update_item", "query")
    originals = {n: getattr(DynamoDBBackend, n) for n in names}

    def locked(fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return fn(*args, **kwargs)

        return wrapper

    for n, fn in originals.items():
        setattr(DynamoDBBackend, n, locked(fn))
    try:
        yield
    finally:
        for n, fn in originals.items():
            setattr(DynamoDBBackend, n, fn)


def _deps() -> Any:
    from chalicelib.services.deps import get_deps

    return get_deps()


def _process(api: ApiClient) -> dict[str, Any]:
    """Submit, supplement request, resubmit, accept: four status changes of a real dossier (the
    workflow is not needed, so this test does not depend on Step Functions)."""
    dossier = submit_online(api, "2.001610")
    desk = api.as_user("motcua")
    path = f"/api/desk/dossiers/{dossier['id']}"
    sup = desk.post(f"{path}/supplement", {"reason": "Bổ sung bản sao giấy tờ."})
    assert sup.status_code == 200, sup.text
    again = api.as_user("congdan").post(f"/api/my/dossiers/{dossier['id']}/submit")
    assert again.status_code == 200, again.text
    accepted = desk.post(f"{path}/accept", FEE_PAID_AT_DESK)
    assert accepted.status_code == 200, accepted.text
    return dossier


class Table:
    """Direct access to the table, as someone with write access to it would tamper."""

    def __init__(self, name: str, dossier_id: str) -> None:
        import boto3

        self.ddb = boto3.client("dynamodb")
        self.name = name
        self.pk = f"AUDIT#DOSSIER#{dossier_id}"

    def key(self, seq: int) -> dict[str, Any]:
        return {"PK": {"S": self.pk}, "SK": {"S": f"E#{seq:010d}"}}

    def get(self, seq: int) -> dict[str, Any]:
        item: dict[str, Any] = self.ddb.get_item(TableName=self.name, Key=self.key(seq))["Item"]
        return item

    def put(self, item: dict[str, Any]) -> None:
        self.ddb.put_item(TableName=self.name, Item=item)

    def delete(self, seq: int) -> None:
        self.ddb.delete_item(TableName=self.name, Key=self.key(seq))


def _broken(report: dict[str, Any]) -> tuple[int, str]:
    assert report["ok"] is False, report
    return report["first_broken"]["seq"], report["first_broken"]["reason"]


def test_status_changes_and_staff_reads_form_a_verifiable_chain_and_tampering_is_found(
    api: ApiClient, cloud: Any, aws: Any
) -> None:
    from chalicelib.services.admin import audit

    # GIVEN a dossier processed to the result, read once by the desk and once by its citizen
    dossier = _process(api)
    deps = _deps()
    d = deps.store.get_dossier(dossier["id"])
    assert audit.record_staff_read(deps, DESK, d) is not None
    assert audit.record_staff_read(deps, CITIZEN, d) is None  # one's own dossier: not audited

    # THEN every status change is in the dossier's stream, chained, and the read is the newest
    events = audit.list_dossier_audit(deps, d.id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert len(events) >= 5
    assert events[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(events))
    assert events[-1]["action"] == "staff_read" and events[-1]["actor"] == "motcua"
    to_statuses = [e["detail"]["to_status"] for e in events if e["detail"].get("to_status")]
    assert to_statuses[:4] == [1, 5, 1, 2]
    history = deps.store.history(d.id)
    assert len(history) == len(events) - 1  # one audit event per history event, plus the read
    clean = audit.verify_dossier(deps, d.id)
    assert clean["ok"] and clean["checked"] == len(events)
    days = sorted({e["at"][:10] for e in events})  # UTC days; widen by one for Vietnam time
    first = date.fromisoformat(days[0])
    last = date.fromordinal(date.fromisoformat(days[-1]).toordinal() + 1)
    period = audit.verify_period(deps, first, last)
    assert period["ok"] and period["events_checked"] >= len(events)
    assert period["streams_checked"] >= 1

    table = Table(aws.table_name, d.id)
    n = len(events)

    def check(expected: tuple[int, str]) -> None:
        assert _broken(audit.verify_dossier(deps, d.id)) == expected
        assert _broken(audit.verify_period(deps, first, last)) == expected

    # (1) WHEN an event's detail is edited in place THEN hash_mismatch at that seq
    original = table.get(2)
    data = json.loads(original["data"]["S"])
    data["detail"]["note"] = "sửa lén"
    table.put({**original, "data": {"S": json.dumps(data, ensure_ascii=False)}})
    check((2, "hash_mismatch"))
    table.put(original)
    assert audit.verify_dossier(deps, d.id)["ok"]

    # (2) WHEN a middle event is deleted THEN the gap is reported at its seq
    middle = table.get(3)
    table.delete(3)
    check((3, "sequence_gap"))
    table.put(middle)
    assert audit.verify_dossier(deps, d.id)["ok"]

    # (3) WHEN two events swap their contents (reordering) THEN the first moved one is reported
    a, b = table.get(2), table.get(3)
    table.put({**a, "data": b["data"], "hash": b["hash"]})
    table.put({**b, "data": a["data"], "hash": a["hash"]})
    check((2, "prev_hash_mismatch"))
    table.put(a)
    table.put(b)
    assert audit.verify_dossier(deps, d.id)["ok"]

    # (4) WHEN the newest event is deleted THEN the head no longer matches
    newest = table.get(n)
    table.delete(n)
    check((n, "head_mismatch"))
    table.put(newest)
    assert audit.verify_dossier(deps, d.id)["ok"]


def test_admin_routes_list_and_verify(api: ApiClient, cloud: Any) -> None:
    from app import app

    paths = {r for r in app.routes}
    if "/api/admin/audit/verify" not in paths:
        pytest.skip("routes_audit.bp is not registered in app.py yet")
    from chalicelib.services.admin import audit

    dossier = submit_online(api, "2.001610")
    audit.record_staff_read(_deps(), DESK, _deps().store.get_dossier(dossier["id"]))
    admin = api.as_user("quantri")
    items = admin.get(f"/api/admin/audit/dossiers/{dossier['id']}").json()["items"]
    assert [e["seq"] for e in items] == [1, 2]
    assert admin.get(f"/api/admin/audit/dossiers/{dossier['id']}/verify").json()["ok"] is True
    day = items[0]["at"][:10]
    ok = admin.get(f"/api/admin/audit/verify?from={day}&to={day}")
    assert ok.status_code == 200 and ok.json()["ok"] is True
    bad = admin.get(f"/api/admin/audit/verify?from=2026-13-01&to={day}")
    assert bad.status_code == 400 and bad.json()["field"] == "from"
    missing = admin.get(f"/api/admin/audit/verify?from={day}")
    assert missing.status_code == 400 and missing.json()["field"] == "to"
    desk = api.as_user("motcua").get(f"/api/admin/audit/dossiers/{dossier['id']}")
    assert desk.status_code == 403


def test_concurrent_appends_to_one_stream_serialise(aws: Any, atomic_moto: None) -> None:
    from datetime import UTC, datetime

    from chalicelib.domain.audit import verify_chain
    from chalicelib.store.audit import AuditStore

    store = AuditStore()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def append(who: str) -> None:
        try:
            start.wait()
            AuditStore().append(
                "SYSTEM",
                at=datetime.now(UTC),
                actor=who,
                actor_role="system",
                actor_unit=None,
                action="tick",
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(f"t{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    events, head = store.read_stream("SYSTEM")
    assert [e.seq for e in events] == [1, 2]
    assert sorted(e.actor for e in events) == ["t0", "t1"]
    assert verify_chain(events, head, stream="SYSTEM").ok


def test_a_concurrent_audit_append_does_not_fail_a_status_change(
    api: ApiClient, cloud: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The head moves between apply's read and its transaction: apply retries, not a conflict."""
    from chalicelib.domain.dossier import HistoryEvent
    from chalicelib.services.admin import audit
    from chalicelib.store.table import Change, DynamoStore

    dossier = submit_online(api, "2.001610")
    deps = _deps()
    d = deps.store.get_dossier(dossier["id"])
    real = DynamoStore._audit_ops
    raced: list[str] = []

    def racing(self: DynamoStore, dossier_id: str, events: list[HistoryEvent]) -> Any:
        ops = real(self, dossier_id, events)
        # A staff read lands right after the head read: twice for apply, once for add_event.
        if raced.count(events[0].action) < (2 if events[0].action == "note_a" else 1):
            raced.append(events[0].action)
            audit.record_staff_read(deps, DESK, d)
        return ops

    monkeypatch.setattr(DynamoStore, "_audit_ops", racing)
    note = HistoryEvent(at=deps.clock(), actor="system", actor_role="system", action="note_a")
    saved = deps.store.apply(Change(dossier=d, expected_version=d.version, events=[note]))
    assert saved.version == d.version + 1
    alarm = HistoryEvent(at=deps.clock(), actor="system", actor_role="system", action="note_b")
    deps.store.add_event(d.id, alarm)
    actions = [e["action"] for e in audit.list_dossier_audit(deps, d.id)]
    assert actions[-5:] == ["staff_read", "staff_read", "note_a", "staff_read", "note_b"]
    assert audit.verify_dossier(deps, d.id)["ok"]
    # A real version conflict is still a conflict, not retried into success
    from chalicelib.domain.errors import Conflict

    with pytest.raises(Conflict):
        deps.store.apply(Change(dossier=d, expected_version=d.version, events=[note]))


def test_a_taken_daily_number_is_still_told_apart_from_audit_contention(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With audit items in the receipt transaction, a lost daily number is still SequenceTaken
    (the desk retries with the next number), not a version conflict and not an audit retry."""
    from chalicelib.store.table import DynamoStore, SequenceTaken

    desk = api.as_user("motcua")
    first = submit_online(api, "2.001610")
    second = submit_online(api, "2.001610")
    assert (
        desk.post(f"/api/desk/dossiers/{first['id']}/accept", FEE_PAID_AT_DESK).status_code == 200
    )
    real_current, real_apply = DynamoStore.current_sequence, DynamoStore.apply
    stale: list[int] = []
    raised: list[BaseException] = []

    def stale_once(self: DynamoStore, key: str) -> int:
        if not stale:
            stale.append(1)
            return real_current(self, key) - 1  # as if read before the first receipt
        return real_current(self, key)

    def spying(self: DynamoStore, change: Any, **kw: Any) -> Any:
        try:
            return real_apply(self, change, **kw)
        except Exception as exc:
            raised.append(exc)
            raise

    monkeypatch.setattr(DynamoStore, "current_sequence", stale_once)
    monkeypatch.setattr(DynamoStore, "apply", spying)
    accepted = desk.post(f"/api/desk/dossiers/{second['id']}/accept", FEE_PAID_AT_DESK)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["code"].endswith("-0002")
    assert [type(e) for e in raised] == [SequenceTaken]
    from chalicelib.services.admin import audit

    assert audit.verify_dossier(_deps(), second["id"])["ok"]
