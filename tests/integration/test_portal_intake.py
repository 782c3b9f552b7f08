"""The national portal (Cổng DVCQG) both ways, on in-process moto and the portal twin over HTTP:
a dossier pushed (signed) or pulled from the portal reaches the desk's inbox with its documents
re-checked and its fee paid there; it is walked to its result and the twin holds every step with
handler, title, unit and time and the result link; bad pushes are refused with an answer and an
alert, keeping nothing; an outage of hours (injected clock) is caught up exactly once and in
order; the daily reconciliation finds nothing, then repairs what the portal lost; the catalogue
becomes pending changes; the token comes from client credentials with the secret in Secrets
Manager, never logged."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.errors import NotFound
from chalicelib.services.portal import portal_intake, portal_reconcile, portal_sync
from infra.resources import Outputs
from tests.fakes.national_portal import (
    SAMPLE_PDF,
    FakeNationalPortal,
    national_catalogue,
    running_portal,
    sign,
)
from tests.support.client import ApiClient, deliver_workflow
from tests.support.journeys import return_when_ready
from tests.support.portal_queue import deliver
from tests.support.samples import FORM_EXAMPLES

pytestmark = pytest.mark.integration

PROCEDURE = "2.001610"  # full online, lead agency H33.03, a 100 000 đồng fee
DESK = "H33.50"
CLIENT_SECRET = "client-secret-for-tests-9f2c"
PUSH_SECRET = "push-secret-for-tests-41ab"
INTAKE = "/api/portal/dvcqg/hoso"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Twin:
    fake: FakeNationalPortal
    sleeps: list[float] = field(default_factory=list)


@pytest.fixture
def twin(aws: Outputs, monkeypatch: pytest.MonkeyPatch) -> Iterator[Twin]:
    """The twin with client credentials; the secret in Secrets Manager; backoff not slept."""
    from chalicelib import aws as cloud
    from infra.local.stack import reset_app_caches

    cloud.client("secretsmanager").create_secret(
        Name="tthc/dvcqg",
        SecretString=json.dumps({"client_secret": CLIENT_SECRET, "push_secret": PUSH_SECRET}),
    )
    with running_portal(client_id="tthc-haugiang", client_secret=CLIENT_SECRET) as fake:
        monkeypatch.setenv("NATIONAL_PORTAL_URL", fake.url)
        monkeypatch.setenv("NATIONAL_PORTAL_CLIENT_ID", "tthc-haugiang")
        monkeypatch.setenv("NATIONAL_PORTAL_SECRET_ID", "secretsmanager:tthc/dvcqg")
        monkeypatch.setenv("NATIONAL_PORTAL_TIMEOUT_SECONDS", "0.5")
        reset_app_caches()
        t = Twin(fake)
        make = portal_sync.make_client

        def recording(deps: Any) -> Any:
            client = make(deps)
            client.sleep = t.sleeps.append
            return client

        monkeypatch.setattr(portal_sync, "make_client", recording)
        yield t


@pytest.fixture
def papi(twin: Twin, api: ApiClient) -> ApiClient:
    return api


def _deps() -> Any:
    from chalicelib.services.deps import get_deps

    return get_deps()


def _documents(**override: tuple[str, bytes, str]) -> dict[str, tuple[str, bytes, str]]:
    docs = {
        "giay-de-nghi": ("de-nghi.pdf", SAMPLE_PDF, "application/pdf"),
        "cccd-chu-dn": ("cccd.pdf", SAMPLE_PDF, "application/pdf"),
    }
    docs.update(override)
    return docs


def _submission(fake: FakeNationalPortal, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "procedure_code": PROCEDURE,
        "receiving_unit": DESK,
        "applicant": {"name": "Trần Thị Hoa", "id_number": "093190004321"},
        "form_data": FORM_EXAMPLES[PROCEDURE],
        "documents": _documents(),
        "fees": [
            {
                "TenPhiLePhi": "Phí công bố",
                "MucPhi": 100000,
                "DaThanhToan": True,
                "MaGiaoDich": "PG1",
            }
        ],
        "push": False,
    }
    args.update(kw)
    return fake.submit(**args)


def _push(api: ApiClient, dossier: dict[str, Any], secret: str = PUSH_SECRET) -> Any:
    body = json.dumps(dossier, ensure_ascii=False).encode()  # the bytes ApiClient sends
    ts = str(int(time.time()))
    return api.anonymous().post(
        INTAKE,
        dossier,
        headers={"X-DVCQG-Timestamp": ts, "X-DVCQG-Signature": sign(secret, ts, body)},
    )


def _deliver_all(aws: Outputs, rounds: int = 20) -> None:
    for _ in range(rounds):
        if deliver(aws) == {"ok": 0, "failed": 0}:
            return


def _alerts(unit: str) -> list[dict[str, Any]]:
    d = _deps()
    items = d.store.client.query(
        TableName=d.store.table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ALERTS#{unit}"}},
    )["Items"]
    return [json.loads(i["data"]["S"]) for i in items]


def _objects(prefix: str) -> list[str]:
    d = _deps()
    listed = d.files.client.list_objects_v2(Bucket=d.files.bucket, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_a_pushed_dossier_is_walked_to_its_result_and_the_portal_sees_every_step(
    papi: ApiClient, twin: Twin, aws: Outputs, cloud: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="chalicelib")  # everything our code logs
    fake = twin.fake
    submitted = _submission(fake)
    ref = submitted["MaHoSoQuocGia"]

    # WHEN the portal pushes it, signed
    pushed = _push(papi, submitted)
    assert pushed.status_code == 200, pushed.body
    answer = json.loads(pushed.body)
    assert answer["KetQua"] == "DaNhan" and answer["duplicate"] is False
    dossier_id = answer["MaHoSoTinh"]
    # AND a re-push of the same dossier answers the same one (nothing created twice)
    again = json.loads(_push(papi, submitted).body)
    assert (again["MaHoSoTinh"], again["duplicate"]) == (dossier_id, True)

    # THEN it is in the desk's inbox, marked DVCQG, its documents fetched and re-checked
    desk = papi.as_user("motcua")
    inbox = {d["id"]: d for d in desk.get("/api/desk/inbox").json()["items"]}
    assert inbox[dossier_id]["source"] == "DVCQG"
    assert inbox[dossier_id]["applicant_name"] == "Trần Thị Hoa"
    d = _deps().store.get_dossier(dossier_id)
    assert (d.portal_ref, d.channel.value, d.status) == (ref, 2, 1)
    assert {a.document_id: a.state.value for a in d.attachments} == {
        "giay-de-nghi": "accepted",
        "cccd-chu-dn": "accepted",
    }
    assert all(_deps().files.get(a.key) == SAMPLE_PDF for a in d.attachments)
    assert d.fee is not None and d.fee.paid_at is not None and d.fee.method == "dvcqg"

    # WHEN the desk accepts it (no fee to collect: it was paid on the portal) and the agency
    # approves, and the result is returned online
    accepted = desk.post(f"/api/desk/dossiers/{dossier_id}/accept", {})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"]["code"] == 2  # not 6: the fee is paid
    agency = papi.as_user("sokhdt")
    tasks: list[dict[str, Any]] = []
    for _ in range(50):
        deliver_workflow(papi, cloud)
        tasks = agency.get("/api/agency/tasks").json()["items"]
        if tasks:
            break
    done = agency.post(
        f"/api/agency/dossiers/{dossier_id}/steps/{tasks[0]['step_id']}/complete",
        {"outcome": "approve", "note": "Đủ điều kiện cấp."},
    )
    assert done.status_code == 200, done.text
    returned = return_when_ready(papi, cloud, dossier_id)
    assert returned.status_code == 200, returned.text
    _deliver_all(aws)

    # THEN the twin holds every version once, in order, the last one the returned dossier
    final = _deps().store.get_dossier(dossier_id)
    versions = [v for (pid, v) in fake.arrivals if pid == dossier_id]
    assert versions == sorted(versions) and versions[-1] == final.version
    latest = fake.latest(dossier_id)
    assert latest is not None and latest["TrangThaiHoSo"] == 10
    assert latest["MaHoSoDVCQG"] == ref and latest["MaHoSo"] == final.code
    lines = latest["QuaTrinhXuLy"]
    by_handler = {ln["NguoiXuLy"]: ln for ln in lines}
    assert by_handler["Lê Thị Mai"]["ChucDanh"] == "Cán bộ tiếp nhận (Bộ phận Một cửa)"
    assert by_handler["Lê Thị Mai"]["PhongBanXuLy"].startswith("Trung tâm Phục vụ hành chính")
    step = by_handler["Võ Thanh Hà"]
    assert step["PhongBanXuLy"] == "Sở Kế hoạch và Đầu tư tỉnh Hậu Giang"
    assert step["NgayKetThucTheoQuyDinh"] and len(step["ThoiDiemXuLy"]) == 14
    assert lines[0]["NguoiXuLy"] == "Chủ hồ sơ"  # the applicant, on the portal
    (result,) = latest["DanhSachGiayToKetQua"]
    assert result["DuongDanKetQua"].endswith(f"/verify.html?id={final.result.id}")
    assert latest["DanhSachLePhi"][-1]["DaThanhToan"] is True
    # AND the twin's page shows the steps and the result link
    page = fake.page()
    assert "Võ Thanh Hà" in page and final.code in page and "verify.html?id=" in page

    # AND the token came from client credentials, and the secret was never logged
    assert fake.token_requests >= 1
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("chalicelib"))
    assert ours and CLIENT_SECRET not in ours and PUSH_SECRET not in ours

    # WHEN the daily reconciliation runs, nothing differs
    report = portal_reconcile.reconcile(_deps())
    assert (report["checked"], report["differ"], report["resent"]) == (1, [], 0)
    # WHEN the portal loses the dossier, the next run re-sends it, once
    fake.forget(dossier_id)
    report = portal_reconcile.reconcile(_deps())
    assert [x["reason"] for x in report["differ"]] == ["missing_at_portal"]
    assert report["resent"] == 1
    _deliver_all(aws)
    assert list(fake.records_for(dossier_id)) == [final.version]
    assert portal_reconcile.reconcile(_deps())["differ"] == []
    ops = papi.as_user("quantri").get("/api/ops/portal-sync/reconciliation")
    assert ops.status_code == 200 and ops.json()["checked"] == 1


def test_bad_pushes_are_refused_with_an_answer_and_an_alert_keeping_nothing(
    papi: ApiClient, twin: Twin
) -> None:
    fake = twin.fake
    text_as_pdf = ("de-nghi.pdf", b"MZ this is not a PDF at all", "application/pdf")
    cases: list[tuple[str, dict[str, Any], str, int, str]] = [
        ("bad_signature", {}, "wrong-secret", 401, "bad_signature"),
        ("unknown", {"procedure_code": "9.999999"}, PUSH_SECRET, 404, "unknown_procedure"),
        ("outside", {"receiving_unit": "H34.50"}, PUSH_SECRET, 422, "unit_outside_province"),
        (
            "missing",
            {"documents": {"giay-de-nghi": _documents()["giay-de-nghi"]}},
            PUSH_SECRET,
            422,
            "missing_document",
        ),
        (
            "hostile",
            {"documents": _documents(**{"giay-de-nghi": text_as_pdf})},
            PUSH_SECRET,
            422,
            "document_rejected",
        ),
    ]
    for name, change, secret, status, code in cases:
        dossier = _submission(fake, portal_ref=f"G22.BAD.{name}", **change)
        r = _push(papi, dossier, secret)
        assert r.status_code == status, (name, r.body)
        body = json.loads(r.body)
        assert body["code"] == code and body["message"], name  # Vietnamese, for the portal
        did = portal_intake.dossier_id_for(f"G22.BAD.{name}")
        with pytest.raises(NotFound):
            _deps().store.get_dossier(did)
        assert _objects(f"intake/{did}/") == [], name  # no file left behind
    # a dossier re-sent with other content under the same portal id is a duplicate
    first = _submission(fake, portal_ref="G22.DUP.1")
    assert _push(papi, first).status_code == 200
    changed = dict(first, DuLieuBieuMau={**first["DuLieuBieuMau"], "x": 1})
    dup = _push(papi, changed)
    assert dup.status_code == 409 and json.loads(dup.body)["code"] == "duplicate"
    # every rejection raised an alert (a bad signature names no unit yet)
    kinds = [a["step_id"] for a in _alerts(DESK) if a["kind"] == "portal_intake_rejected"]
    assert sorted(kinds) == sorted(
        ["unknown_procedure", "missing_document", "document_rejected", "duplicate"]
    )
    assert {a["step_id"] for a in _alerts("DVCQG")} >= {"bad_signature"}
    assert {a["step_id"] for a in _alerts("H34.50")} == {"unit_outside_province"}


def test_pull_mode_takes_in_and_answers_each_dossier(papi: ApiClient, twin: Twin) -> None:
    fake = twin.fake
    good = _submission(fake, portal_ref="G22.PULL.1")
    _submission(fake, portal_ref="G22.PULL.2", procedure_code="9.999999")
    counts = portal_intake.pull(_deps())
    assert counts == {"accepted": 1, "rejected": 1, "failed": 0}
    assert fake.answers["G22.PULL.1"]["KetQua"] == "DaNhan"
    assert fake.answers["G22.PULL.2"]["code"] == "unknown_procedure"
    assert fake._pending_pull() == []  # both acknowledged
    did = portal_intake.dossier_id_for(good["MaHoSoQuocGia"])
    assert _deps().store.get_dossier(did).source == "DVCQG"
    # a portal that answers garbage is retried later, nothing taken in
    _submission(fake, portal_ref="G22.PULL.3")
    fake.malformed_next(10)
    with pytest.raises(portal_sync.SyncError):
        portal_intake.pull(_deps())
    assert "G22.PULL.3" not in fake.answers


def test_an_outage_of_hours_is_caught_up_exactly_once_and_in_order(
    papi: ApiClient, twin: Twin, aws: Outputs
) -> None:
    from chalicelib.services.deps import any_deps, set_deps

    fake = twin.fake
    t0 = datetime.now(UTC)
    set_deps(any_deps(clock=lambda: t0))
    did = json.loads(_push(papi, _submission(fake, portal_ref="G22.OUT.1")).body)["MaHoSoTinh"]
    # WHEN the portal goes down before anything is delivered, and the desk acts meanwhile
    fake.set_mode("down")
    desk = papi.as_user("motcua")
    asked = desk.post(f"/api/desk/dossiers/{did}/supplement", {"reason": "Bổ sung bản sao"})
    assert asked.status_code == 200, asked.text
    max_receives = _deps().settings.portal_sync_max_receives
    for _ in range(max_receives + 1):
        deliver(aws)  # each record fails every attempt; the last receive goes to the DLQ
    state = portal_sync.sync_store(_deps()).get(did)
    assert state is not None and state.state == "failed" and state.synced_version == 0
    assert fake.records_for(did) == {}
    # THEN three hours later (injected clock, no sleeping) the portal is back, ops redrive
    set_deps(any_deps(clock=lambda: t0 + timedelta(hours=3)))
    fake.recover()
    redriven = papi.as_user("quantri").post("/api/ops/portal-sync/redrive")
    assert redriven.status_code == 200, redriven.text
    _deliver_all(aws)
    latest = _deps().store.get_dossier(did)
    versions = [v for (pid, v) in fake.arrivals if pid == did]
    assert versions == sorted(set(versions)) and versions[-1] == latest.version
    assert fake.latest(did)["TrangThaiHoSo"] == 5  # type: ignore[index]
    state = portal_sync.sync_store(_deps()).get(did)
    assert state is not None and (state.state, state.synced_version) == ("synced", latest.version)
    view = papi.as_user("quantri").get("/api/ops/portal-sync").json()
    assert view["counts"]["failed"] == 0 and view["counts"]["pending"] == 0


def test_the_national_catalogue_becomes_pending_changes_never_silent_edits(
    papi: ApiClient, twin: Twin
) -> None:
    from chalicelib.services.portal import portal_catalogue

    procedures = json.loads((ROOT / "data/demo/procedures.json").read_text(encoding="utf-8"))
    units = json.loads((ROOT / "data/demo/units.json").read_text(encoding="utf-8"))
    twin.fake.catalogue = national_catalogue(procedures, units)
    first = portal_catalogue.import_catalogue(_deps())
    assert first["proposed"] == [] and first["unchanged"] == len(procedures)
    assert first["agencies"] == []
    # WHEN the nation raises a fee
    row = next(r for r in twin.fake.catalogue["thutuc"] if r["MaTTHC"] == PROCEDURE)
    row["PhiLePhi"] = [{"TenPhiLePhi": "Phí công bố", "MucPhi": 150000}]
    before = _deps().store.get_procedure(PROCEDURE)
    second = portal_catalogue.import_catalogue(_deps())
    (proposed,) = second["proposed"]
    assert (proposed["code"], proposed["changed"]) == (PROCEDURE, ["fees"])
    # THEN the catalogue is unchanged until the province office publishes
    assert _deps().store.get_procedure(PROCEDURE) == before
    listed = papi.as_user("vanphong").get("/api/province/procedure-changes?state=proposed")
    change = next(c for c in listed.json()["items"] if c["id"] == proposed["change_id"])
    assert change["draft"]["steps"] == [s.model_dump(mode="json") for s in before.steps]
    assert change["draft"]["fees"] == [{"name": "Phí công bố", "amount_vnd": 150000}]
    # AND the same national change is not filed twice
    assert portal_catalogue.import_catalogue(_deps())["already_waiting"] == [PROCEDURE]


def test_client_credentials_and_every_failure_mode_of_the_twin() -> None:
    """No moto: the adapter against the twin. A token from client credentials, cached, renewed
    after a 401; down, 5xx, slow and malformed answers are retried and then Unavailable."""
    from chalicelib.integrations.national_portal import (
        ClientCredentials,
        NationalPortalClient,
        Refused,
        Unavailable,
        read_secret,
    )

    waits: list[float] = []
    with running_portal(client_id="cid", client_secret="s3", token_ttl_seconds=600) as fake:
        creds = ClientCredentials(fake.base_url + "/oauth/token", "cid", "s3", 1.0)
        client = NationalPortalClient(fake.url, "", 0.3, 3, 0.25, waits.append, credentials=creds)
        fake.catalogue["linhvuc"] = [{"MaLinhVuc": "LV1", "TenLinhVuc": "Hộ tịch"}]
        assert client.catalogue("fields") == [{"MaLinhVuc": "LV1", "TenLinhVuc": "Hộ tịch"}]
        assert client.lookup(["X"]) == [] and fake.token_requests == 1
        fake.issued.clear()  # the portal revoked our token: one fresh token, then success
        assert client.lookup(["X"]) == [] and fake.token_requests == 2
        assert "s3" not in repr(creds) and "s3" not in repr(client)
        for inject in (
            lambda: fake.down_next(3),
            lambda: fake.fail_next(3, 503),
            lambda: fake.malformed_next(3),
            lambda: fake.slow_next(3, 0.6),
        ):
            inject()
            with pytest.raises(Unavailable):
                client.lookup(["X"])
        fake.recover()
        assert waits == [0.25] + [0.25, 0.5] * 4  # the fresh token, then each failure mode
        bad = ClientCredentials(fake.base_url + "/oauth/token", "cid", "wrong", 1.0)
        with pytest.raises(Refused):
            NationalPortalClient(fake.url, credentials=bad).lookup(["X"])
        assert client.fetch_file(fake.base_url + "/files/none", 100) is None

    class FakeClients:
        def __init__(self) -> None:
            self.asked: list[tuple[str, dict[str, Any]]] = []

        def __call__(self, service: str) -> Any:
            outer = self

            class C:
                def get_secret_value(self, **kw: Any) -> dict[str, str]:
                    outer.asked.append((service, kw))
                    return {"SecretString": '{"client_secret": "a"}'}

                def get_parameter(self, **kw: Any) -> dict[str, Any]:
                    outer.asked.append((service, kw))
                    return {"Parameter": {"Value": '{"push_secret": "b"}'}}

            return C()

    clients = FakeClients()
    assert read_secret("secretsmanager:x", clients) == {"client_secret": "a"}
    assert read_secret("ssm:/tthc/dvcqg", clients) == {"push_secret": "b"}
    assert clients.asked[1] == ("ssm", {"Name": "/tthc/dvcqg", "WithDecryption": True})
    assert read_secret("") == {}


def test_the_push_secret_is_read_from_its_ssm_securestring_and_rotates(
    papi: ApiClient, twin: Twin, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import aws as cloud
    from infra.local.stack import reset_app_caches
    from infra.resources import push_secret_param

    # GIVEN the push secret in its own SSM SecureString, named only to the API function
    param = push_secret_param("tthc")
    ssm = cloud.client("ssm")
    ssm.put_parameter(Name=param, Value="ssm-push-secret-1", Type="SecureString")
    monkeypatch.setenv("NATIONAL_PORTAL_PUSH_SECRET_PARAM", param)
    reset_app_caches()
    assert ssm.get_parameter(Name=param)["Parameter"]["Type"] == "SecureString"

    # THEN a push signed with it is taken in; one signed with the older combined secret is not
    first = _submission(twin.fake, portal_ref="G22.SSM.1")
    assert _push(papi, first, "ssm-push-secret-1").status_code == 200
    old = _push(papi, _submission(twin.fake, portal_ref="G22.SSM.2"), PUSH_SECRET)
    assert (old.status_code, json.loads(old.body)["code"]) == (401, "bad_signature")
    # the client secret still comes from Secrets Manager
    secrets = portal_sync.portal_secrets(_deps())
    assert secrets == {"client_secret": CLIENT_SECRET, "push_secret": "ssm-push-secret-1"}

    # WHEN ops rotate it (new value, then fresh Lambda instances: here, the cache forgotten)
    ssm.put_parameter(Name=param, Value="ssm-push-secret-2", Type="SecureString", Overwrite=True)
    portal_sync.forget_secrets()
    # THEN the new secret is accepted and the old one refused
    third = _submission(twin.fake, portal_ref="G22.SSM.3")
    assert _push(papi, third, "ssm-push-secret-2").status_code == 200
    stale = _push(papi, _submission(twin.fake, portal_ref="G22.SSM.4"), "ssm-push-secret-1")
    assert stale.status_code == 401
