"""National portal (Cổng DVCQG) sync end to end on in-process moto and a fake portal over HTTP:
status change → packet in the queue → the app's consumer → record at the portal, state synced,
counter `synced` +1; retried deliveries make one record; 500s retried with backoff, then the DLQ
and the failed list; redrive from the ops route; timeouts; the sweep; who may see the ops view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.services.portal import portal_sync
from infra.resources import Outputs, definition
from tests.fakes.national_portal import FakeNationalPortal, running_portal
from tests.support.client import ApiClient
from tests.support.journeys import FEE_PAID_AT_DESK, submit_online
from tests.support.portal_queue import deliver

pytestmark = pytest.mark.integration

PROCEDURE = "2.001610"  # full online, lead agency H33.03


@dataclass
class Portal:
    fake: FakeNationalPortal
    sleeps: list[float] = field(default_factory=list)


@pytest.fixture
def portal(aws: Outputs, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    """The fake portal, configured as NATIONAL_PORTAL_URL; the client's backoff sleeps are
    recorded, not slept; a request times out after 0.3 s."""
    from infra.local.stack import reset_app_caches

    with running_portal(token="portal-secret") as fake:
        monkeypatch.setenv("NATIONAL_PORTAL_URL", fake.url)
        monkeypatch.setenv("NATIONAL_PORTAL_TOKEN", "portal-secret")
        monkeypatch.setenv("NATIONAL_PORTAL_TIMEOUT_SECONDS", "0.3")
        reset_app_caches()
        p = Portal(fake)
        make = portal_sync.make_client

        def recording(deps: Any) -> Any:
            client = make(deps)
            client.sleep = p.sleeps.append
            return client

        monkeypatch.setattr(portal_sync, "make_client", recording)
        yield p


@pytest.fixture
def sync_api(portal: Portal, api: ApiClient) -> ApiClient:
    """The API, built after the portal settings are in the environment."""
    return api


def _deps() -> Any:
    from chalicelib.services.deps import get_deps

    return get_deps()


def _sqs() -> Any:
    from chalicelib import aws

    return aws.client("sqs")


def _queue(aws: Outputs) -> Any:
    return aws.queues["portal-sync"]


def _waiting(url: str) -> list[dict[str, Any]]:
    """Every message in a queue now (made visible again at once)."""
    sqs = _sqs()
    out = []
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    for m in msgs.get("Messages", []):
        out.append(json.loads(m["Body"]))
    return out


def _counter(agency: str, month: str, procedure: str) -> int:
    return int(_deps().store.counters(agency, month).get(procedure, {}).get("synced", 0))


def _month_of(dossier_id: str) -> str:
    from zoneinfo import ZoneInfo

    d = _deps().store.get_dossier(dossier_id)
    assert d.received_at is not None
    return d.received_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")


def test_status_changes_reach_the_portal_once_and_count(
    sync_api: ApiClient, portal: Portal, aws: Outputs
) -> None:
    # GIVEN an online dossier submitted (status 1) and received at the desk (status 2)
    submitted = submit_online(sync_api, PROCEDURE)
    dossier_id = submitted["id"]
    accepted = sync_api.as_user("motcua").post(
        f"/api/desk/dossiers/{dossier_id}/accept", FEE_PAID_AT_DESK
    )
    assert accepted.status_code == 200, accepted.text
    d = _deps().store.get_dossier(dossier_id)

    # THEN each committed change put its packet in the queue, state pending
    queued = _waiting(_queue(aws).url)
    mine = sorted((m for m in queued if m["dossier_id"] == dossier_id), key=lambda m: m["version"])
    assert [m["packet"]["TrangThaiHoSo"] for m in mine] == [1, 2]
    assert mine[-1]["version"] == d.version
    assert mine[-1]["packet"]["MaHoSo"] == d.code
    state = portal_sync.sync_store(_deps()).get(dossier_id)
    assert state is not None and state.state == "pending" and state.latest_version == d.version

    # WHEN the consumer runs
    assert deliver(aws) == {"ok": 2, "failed": 0}

    # THEN the portal has one record per version, valid and authorised; synced; counted once
    records = portal.fake.records_for(dossier_id)
    assert sorted(records) == [m["version"] for m in mine]
    assert records[d.version]["TrangThaiHoSo"] == 2
    assert records[d.version]["NgayTiepNhan"] is not None
    state = portal_sync.sync_store(_deps()).get(dossier_id)
    assert state is not None
    assert (state.state, state.synced_version, state.attempts) == ("synced", d.version, 0)
    month = _month_of(dossier_id)
    assert _counter(d.lead_agency, month, d.procedure_code) == 1

    # WHEN the same packet is delivered again (SQS delivers at least once) and an older one too
    for m in mine:
        portal_sync.send_to_queue(_deps(), m)
    assert deliver(aws)["ok"] == 2
    # THEN nothing new at the portal: skipped before sending, the counter unchanged
    assert len(portal.fake.requests) == 2
    assert sorted(portal.fake.records_for(dossier_id)) == [m["version"] for m in mine]
    assert _counter(d.lead_agency, month, d.procedure_code) == 1

    # AND the indicator reads the counter: synced / received for that month
    from chalicelib.services.reporting import indicators

    report = indicators.compute_agency(_deps(), d.lead_agency, [month])
    synced = {i.id: i for g in report.groups for i in g.indicators}["synced"]
    assert synced.available and synced.numerator == 1 and synced.denominator == 1


def test_a_timed_out_answer_is_retried_without_a_second_record(
    sync_api: ApiClient, portal: Portal, aws: Outputs
) -> None:
    dossier_id = submit_online(sync_api, PROCEDURE)["id"]
    # the portal stores the packet but answers after the client's 0.3 s timeout, once
    portal.fake.slow_next(1, seconds=1.0)
    assert deliver(aws) == {"ok": 1, "failed": 0}
    assert portal.sleeps == [0.5]  # one backoff before the second attempt
    keys = [r.key for r in portal.fake.requests]
    assert len(keys) == 2 and keys[0] == keys[1]  # the same Idempotency-Key both times
    assert keys[0] == f"{dossier_id}:{_deps().store.get_dossier(dossier_id).version}"
    assert len(portal.fake.records_for(dossier_id)) == 1
    state = portal_sync.sync_store(_deps()).get(dossier_id)
    assert state is not None and state.state == "synced"


def test_portal_errors_retry_with_backoff_then_dlq_then_redrive(
    sync_api: ApiClient, portal: Portal, aws: Outputs
) -> None:
    dossier_id = submit_online(sync_api, PROCEDURE)["id"]
    version = _deps().store.get_dossier(dossier_id).version
    max_receives = _deps().settings.portal_sync_max_receives
    assert max_receives == definition().queue("portal-sync").max_receive_count
    portal.fake.fail_next(1000, status=500)

    # WHEN the portal answers 500 to every request, delivery after delivery
    for n in range(1, max_receives + 1):
        assert deliver(aws) == {"ok": 0, "failed": 1}
        state = portal_sync.sync_store(_deps()).get(dossier_id)
        assert state is not None and state.attempts == n
        assert state.state == ("failed" if n == max_receives else "pending")
    # THEN every delivery tried 3 times with exponential backoff inside the call
    assert len(portal.fake.requests) == 3 * max_receives
    assert portal.sleeps == [0.5, 1.0] * max_receives
    assert state is not None and state.last_error == "Cổng DVCQG lỗi (HTTP 500)."
    # AND the next receive moves the message to the dead-letter queue
    assert deliver(aws) == {"ok": 0, "failed": 0}
    dlq = _queue(aws).dlq_url
    assert [m["dossier_id"] for m in _waiting(dlq)] == [dossier_id]
    assert portal.fake.records_for(dossier_id) == {}

    # AND the ops view lists it with its code, version, attempts and error
    admin = sync_api.as_user("quantri")
    view = admin.get("/api/ops/portal-sync").json()
    assert view["counts"]["failed"] == 1 and view["counts"]["pending"] == 0
    (row,) = view["failed"]
    assert (row["dossier_id"], row["version"], row["attempts"]) == (
        dossier_id,
        version,
        max_receives,
    )
    assert row["last_error"] == "Cổng DVCQG lỗi (HTTP 500)."

    # WHEN the portal is back and an administrator redrives
    portal.fake.recover()
    redriven = admin.post("/api/ops/portal-sync/redrive")
    assert redriven.status_code == 200, redriven.text
    assert redriven.json() == {"moved_from_dlq": 1, "requeued": 0, "total": 1}
    assert _waiting(dlq) == []
    state = portal_sync.sync_store(_deps()).get(dossier_id)
    assert state is not None and (state.state, state.attempts) == ("pending", 0)

    # THEN the next delivery syncs it
    assert deliver(aws) == {"ok": 1, "failed": 0}
    assert list(portal.fake.records_for(dossier_id)) == [version]
    state = portal_sync.sync_store(_deps()).get(dossier_id)
    assert state is not None and state.state == "synced"
    after = admin.get("/api/ops/portal-sync").json()
    assert after["counts"] == {"pending": 0, "failed": 0, "synced_today": 1}


def test_refused_and_unconfigured_fail_at_once_and_redrive_requeues_them(
    sync_api: ApiClient, portal: Portal, aws: Outputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two dossiers: one packet the portal refuses (schema), one with no portal address
    first = submit_online(sync_api, PROCEDURE)["id"]
    second = submit_online(sync_api, PROCEDURE)["id"]
    deps = _deps()
    by_id = {m["dossier_id"]: m for m in _waiting(_queue(aws).url)}
    assert set(by_id) == {first, second}
    broken = {**by_id[first], "packet": dict(by_id[first]["packet"])}
    del broken["packet"]["MaHoSo"]  # the fake's schema requires it

    assert portal_sync.handle_message(deps, broken) == "failed"
    assert portal.fake.requests[-1].status == 400  # refused by the schema, not retried
    assert len(portal.fake.requests) == 1 and portal.sleeps == []
    empty = portal_sync.NationalPortalClient(url="")
    assert portal_sync.handle_message(deps, by_id[second], client=empty) == "failed"
    refused = portal_sync.sync_store(deps).get(first)
    unconfigured = portal_sync.sync_store(deps).get(second)
    assert refused is not None and unconfigured is not None
    assert refused.last_error.startswith("Cổng DVCQG từ chối gói tin (HTTP 400)")
    assert unconfigured.last_error.startswith("Chưa cấu hình địa chỉ Cổng DVCQG")
    assert (refused.state, unconfigured.state) == ("failed", "failed")
    # drop the originals: only redrive may bring them back
    sqs = _sqs()
    sqs.purge_queue(QueueUrl=_queue(aws).url)

    # AND the failed list pages
    admin = sync_api.as_user("quantri")
    page = admin.get("/api/ops/portal-sync?limit=1").json()
    assert len(page["failed"]) == 1 and page["next"]
    rest = admin.get(f"/api/ops/portal-sync?limit=1&cursor={page['next']}").json()
    assert {page["failed"][0]["dossier_id"], rest["failed"][0]["dossier_id"]} == {first, second}
    assert admin.get("/api/ops/portal-sync?cursor=bad").status_code == 400

    # WHEN redriven: rebuilt from the store and re-queued, then delivered
    r = admin.post("/api/ops/portal-sync/redrive")
    assert r.json() == {"moved_from_dlq": 0, "requeued": 2, "total": 2}
    assert deliver(aws) == {"ok": 2, "failed": 0}
    assert set(portal.fake.records_for(first)) and set(portal.fake.records_for(second))
    assert all(
        (s := portal_sync.sync_store(deps).get(i)) is not None and s.state == "synced"
        for i in (first, second)
    )


def test_sweep_resends_what_the_queue_did_not_take(
    sync_api: ApiClient, portal: Portal, aws: Outputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(deps: Any, message: Any) -> None:
        raise ConnectionError("sqs unreachable")

    with monkeypatch.context() as m:
        m.setattr(portal_sync, "send_to_queue", down)
        dossier_id = submit_online(sync_api, PROCEDURE)["id"]  # the commit still succeeds
    assert _waiting(_queue(aws).url) == []
    deps = _deps()
    state = portal_sync.sync_store(deps).get(dossier_id)
    assert state is not None and state.state == "pending"

    now = deps.clock()
    assert portal_sync.sweep(deps, now) == 0  # too recent: the hook may still be sending
    later = now + timedelta(seconds=deps.settings.portal_sync_sweep_after_seconds + 1)
    assert portal_sync.sweep(deps, later) == 1
    assert portal_sync.sweep(deps, later) == 0  # touched: not again until another period
    assert deliver(aws) == {"ok": 1, "failed": 0}
    assert len(portal.fake.records_for(dossier_id)) == 1
    state = portal_sync.sync_store(deps).get(dossier_id)
    assert state is not None and state.state == "synced"


def test_ops_routes_are_for_admin_and_province_reads(sync_api: ApiClient) -> None:
    for user in ("congdan", "motcua", "sokhdt"):
        client = sync_api.as_user(user)
        assert client.get("/api/ops/portal-sync").status_code == 403
        assert client.post("/api/ops/portal-sync/redrive").status_code == 403
    province = sync_api.as_user("vanphong")
    assert province.get("/api/ops/portal-sync").status_code == 200
    assert province.post("/api/ops/portal-sync/redrive").status_code == 403
    assert sync_api.anonymous().get("/api/ops/portal-sync").status_code == 401
    assert (
        sync_api.as_user("quantri")
        .post("/api/ops/portal-sync/redrive", idempotency_key=None)
        .status_code
        == 400
    )


def test_client_retries_only_what_may_succeed_later() -> None:
    """The sender alone against the fake: 429/5xx retried with doubling waits, other 4xx not,
    the token sent but never shown, only http(s) URLs."""
    from chalicelib.domain.portal_sync import build_packet
    from chalicelib.integrations.national_portal import (
        NationalPortalClient,
        NotConfigured,
        Refused,
        Unavailable,
    )
    from tests.support.portal_packets import HISTORY, PROC, dossier

    packet = build_packet(dossier(), HISTORY, PROC)
    with running_portal(token="s3cret") as fake:
        waits: list[float] = []
        client = NationalPortalClient(fake.url, "s3cret", 1.0, 4, 0.25, waits.append)
        assert "s3cret" not in repr(client)
        fake.fail_next(1, 429)
        fake.fail_next(1, 503)
        assert client.send(packet) == {"status": "ok", "duplicate": False}
        assert waits == [0.25, 0.5]
        assert [r.status for r in fake.requests] == [429, 503, 200]

        waits.clear()
        fake.fail_next(4, 502)
        with pytest.raises(Unavailable):
            client.send(packet)
        assert waits == [0.25, 0.5, 1.0]  # 4 attempts, 3 waits

        wrong = NationalPortalClient(fake.url, "other", 1.0, 4, 0.25, waits.append)
        with pytest.raises(Refused) as refused:
            wrong.send(packet)
        assert refused.value.status == 401 and len(waits) == 3  # not retried
        assert client.send(packet)["duplicate"] is True
        assert len(fake.records) == 1
    with pytest.raises(NotConfigured):
        NationalPortalClient("file:///etc/passwd").send(packet)


def test_each_step_names_the_officials_title_and_unit_at_the_time(
    sync_api: ApiClient, portal: Portal, aws: Outputs
) -> None:
    # GIVEN the administrator gave the desk officer a title in the staff console
    admin = sync_api.as_user("quantri")
    titled = admin.post("/api/admin/users/motcua", {"title": "Chuyên viên Bộ phận Một cửa"})
    assert titled.status_code == 200 and titled.json()["title"] == "Chuyên viên Bộ phận Một cửa"
    desk_unit = titled.json()["unit"]

    # WHEN the officer receives an online dossier and the packets reach the portal
    dossier_id = submit_online(sync_api, PROCEDURE)["id"]
    accepted = sync_api.as_user("motcua").post(
        f"/api/desk/dossiers/{dossier_id}/accept", FEE_PAID_AT_DESK
    )
    assert accepted.status_code == 200, accepted.text
    deliver(aws)

    # THEN the receipt's progress line names the title and the desk's unit
    latest = portal.fake.latest(dossier_id)
    assert latest is not None
    line = next(ln for ln in latest["QuaTrinhXuLy"] if ln["TrangThai"] == 2)
    units = {u.code: u.name for u in _deps().store.list_units()}
    assert (line["ChucDanh"], line["PhongBanXuLy"]) == (
        "Chuyên viên Bộ phận Một cửa",
        units[desk_unit],
    )

    # AND a later change of title does not rewrite what was reported: the next packet of the
    # same dossier still says what the officer was when they acted
    assert admin.post("/api/admin/users/motcua", {"title": "Tổ trưởng"}).status_code == 200
    again = portal_sync.packet_for(_deps(), _deps().store.get_dossier(dossier_id))
    line = next(ln for ln in again["QuaTrinhXuLy"] if ln["TrangThai"] == 2)
    assert line["ChucDanh"] == "Chuyên viên Bộ phận Một cửa"
