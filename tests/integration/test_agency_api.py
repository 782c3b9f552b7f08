"""The agencies' signed API in process: keys issued by an administrator, requests signed with
botocore's SigV4Auth and sent through the real app (chalice.test Client) over moto.

GIVEN the demo catalogue, an administrator and a dossier waiting at the Department of Planning
and Investment (H33.03) WHEN agency systems call with their keys THEN only correctly signed, fresh,
first-time requests of a live key are served, and only for the key's own agency.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.client import ApiClient, Reply, upload_file
from tests.support.journeys import waiting_dossier
from tests.support.samples import text_pdf
from tests.support.signing import new_key, send, signed_call

pytestmark = pytest.mark.integration

REGION = "ap-southeast-1"
HOST = "localhost"


@pytest.fixture
def agency_api(api: ApiClient) -> Iterator[ApiClient]:
    """The app with the agency API blueprint (what app.py will do once wired)."""
    from app import app
    from chalicelib.api.routes import agency_api as routes_agency_api
    from chalicelib.services.admin.agency_keys import set_agency_keys

    routes_agency_api.install(app)
    set_agency_keys(None)
    routes_agency_api.set_verifier(None)
    yield api
    routes_agency_api.set_verifier(None)
    set_agency_keys(None)


def assert_refused(reply: Reply, status: int, code: str) -> None:
    assert reply.status_code == status, reply.text
    err = reply.json()
    assert err["code"] == code
    assert err["message"] and err["message_en"]


# ---- administrators -----------------------------------------------------------------------------
def test_admin_issues_a_key_whose_secret_is_shown_once_and_stored_encrypted(
    agency_api: ApiClient, aws: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    import boto3

    admin = agency_api.as_user("quantri")
    created = admin.post("/api/admin/agency-keys", {"agency": "H33.03", "description": "Đất đai"})
    assert created.status_code == 201, created.text
    assert created.headers.get("Cache-Control") == "no-store"
    key = created.json()
    secret = key["secret_access_key"]
    assert len(key["access_key_id"]) == 20 and len(secret) == 40
    assert key["agency"] == "H33.03" and key["status"] == "active"

    # never returned again
    listed = admin.get("/api/admin/agency-keys?agency=H33.03").json()["items"]
    assert [k["access_key_id"] for k in listed] == [key["access_key_id"]]
    one = admin.get(f"/api/admin/agency-keys/{key['access_key_id']}")
    assert one.status_code == 200
    assert secret not in one.text and secret not in json.dumps(listed)
    assert "secret_access_key" not in one.json()

    # nowhere in the table in plain text (the idempotency layer did not store the answer), and
    # the stored ciphertext decrypts with KMS to the secret only under its encryption context
    ddb = boto3.client("dynamodb", region_name=REGION)
    items = ddb.scan(TableName=aws.table_name)["Items"]
    assert secret not in json.dumps(items)
    item = next(i for i in items if i["PK"]["S"] == f"AGENCYKEY#{key['access_key_id']}")
    import base64

    kms = boto3.client("kms", region_name=REGION)
    blob = base64.b64decode(item["secret_ciphertext"]["S"])
    context = {
        "purpose": "agency-api-key",
        "access_key_id": key["access_key_id"],
        "agency": "H33.03",
    }
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"] == (
        secret.encode()
    )
    with pytest.raises(Exception, match="InvalidCiphertext"):
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={**context, "agency": "H33.02"})

    # the secret is in no log line, even after it was used to verify a request
    used, _ = signed_call(agency_api, key, "GET", "/api/agency-api/whoami")
    assert used.status_code == 200, used.text
    logs = capfd.readouterr()
    assert '"route":"/api/admin/agency-keys"' in logs.out  # the request lines were captured
    assert secret not in logs.out + logs.err


def test_only_administrators_manage_keys(agency_api: ApiClient) -> None:
    staff = agency_api.as_user("sokhdt")
    assert_refused(
        staff.post("/api/admin/agency-keys", {"agency": "H33.03"}), 403, "forbidden_role"
    )
    assert_refused(staff.get("/api/admin/agency-keys"), 403, "forbidden_role")
    assert agency_api.anonymous().get("/api/admin/agency-keys").status_code == 401
    bad = agency_api.as_user("quantri").post("/api/admin/agency-keys", {"agency": "NOPE.99"})
    assert_refused(bad, 400, "invalid_input")


# ---- the signed API -----------------------------------------------------------------------------
def test_an_agency_key_works_only_for_its_own_agency(agency_api: ApiClient, cloud: Any) -> None:
    admin = agency_api.as_user("quantri")
    mine, other = new_key(admin, "H33.03"), new_key(admin, "H33.02")
    dossier = waiting_dossier(agency_api, cloud)

    who, _ = signed_call(agency_api, mine, "GET", "/api/agency-api/whoami")
    assert who.status_code == 200, who.text
    assert who.json() == {
        "agency": "H33.03",
        "access_key_id": mine["access_key_id"],
        "role": "agency",
    }

    tasks, _ = signed_call(agency_api, mine, "GET", "/api/agency-api/tasks")
    assert tasks.status_code == 200, tasks.text
    items = tasks.json()["items"]
    assert [t["code"] for t in items] == [dossier["code"]]
    step = items[0]["step_id"]
    read, _ = signed_call(agency_api, mine, "GET", f"/api/agency-api/dossiers/{dossier['id']}")
    assert read.status_code == 200 and read.json()["code"] == dossier["code"]

    # another agency's key sees nothing and cannot touch it
    theirs, _ = signed_call(agency_api, other, "GET", "/api/agency-api/tasks")
    assert theirs.json()["items"] == []
    peek, _ = signed_call(agency_api, other, "GET", f"/api/agency-api/dossiers/{dossier['id']}")
    assert_refused(peek, 404, "not_found")
    path = f"/api/agency-api/dossiers/{dossier['id']}/steps/{step}/complete"
    grab, _ = signed_call(agency_api, other, "POST", path, {"outcome": "approve"})
    assert grab.status_code == 404

    # a tampered body is refused and changes nothing
    tampered, _ = signed_call(
        agency_api,
        mine,
        "POST",
        path,
        {"outcome": "return", "note": "x"},
        tamper=json.dumps({"outcome": "approve", "note": "x"}).encode(),
    )
    assert_refused(tampered, 401, "signature_mismatch")
    still, _ = signed_call(
        agency_api, mine, "GET", "/api/agency-api/tasks", headers={"x-nonce": "1"}
    )
    assert [t["step_id"] for t in still.json()["items"]] == [step]

    # the genuine request completes the step through the same use case as agency staff
    done, _ = signed_call(agency_api, mine, "POST", path, {"outcome": "approve", "note": "Đạt"})
    assert done.status_code == 200, done.text
    assert done.json()["status"]["code"] == 9
    history = agency_api.as_user("quantri").get(f"/api/agency/dossiers/{dossier['id']}").json()
    assert mine["access_key_id"] in json.dumps(history, ensure_ascii=False)


def test_wrong_key_stale_date_replay_revoked_are_refused(agency_api: ApiClient, aws: Any) -> None:
    import boto3

    from chalicelib.api.routes import agency_api as routes_agency_api
    from chalicelib.api.sigv4 import SigV4Verifier
    from chalicelib.services.admin.agency_keys import get_agency_keys

    admin = agency_api.as_user("quantri")
    key = new_key(admin, "H33.03")

    wrong = {**key, "secret_access_key": "A" * 40}
    assert_refused(
        signed_call(agency_api, wrong, "GET", "/api/agency-api/tasks")[0], 401, "signature_mismatch"
    )
    unknown = {**key, "access_key_id": "AKTT" + "Z" * 16}
    assert_refused(
        signed_call(agency_api, unknown, "GET", "/api/agency-api/tasks")[0], 401, "key_unknown"
    )
    unsigned = agency_api.get("/api/agency-api/tasks")
    assert_refused(unsigned, 401, "signature_missing")

    # replay: the same signed request twice; the second is refused, the record has a TTL
    first, headers = signed_call(agency_api, key, "GET", "/api/agency-api/tasks")
    assert first.status_code == 200
    again = send(agency_api, "GET", "/api/agency-api/tasks", headers, b"")
    assert_refused(again, 403, "signature_replayed")
    signature = headers["Authorization"].rsplit("=", 1)[1]
    ddb = boto3.client("dynamodb", region_name=REGION)
    seen = ddb.get_item(
        TableName=aws.table_name, Key={"PK": {"S": f"SIGV4#{signature}"}, "SK": {"S": "SIGV4"}}
    )
    assert int(seen["Item"]["expiration"]["N"]) > datetime.now(UTC).timestamp()
    assert signature not in again.text

    # stale: the server's clock (injected) is six minutes ahead of the signer's
    keys = get_agency_keys()
    routes_agency_api.set_verifier(
        SigV4Verifier(
            keys, keys.store, region=REGION, now=lambda: datetime.now(UTC) + timedelta(minutes=6)
        )
    )
    assert_refused(
        signed_call(agency_api, key, "GET", "/api/agency-api/tasks")[0], 401, "request_expired"
    )
    routes_agency_api.set_verifier(None)

    # revoked: refused at once
    revoked = admin.post(f"/api/admin/agency-keys/{key['access_key_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert_refused(
        signed_call(agency_api, key, "GET", "/api/agency-api/tasks")[0], 403, "key_revoked"
    )


def test_rotation_keeps_the_old_key_valid_for_the_grace_period(agency_api: ApiClient) -> None:
    from chalicelib.api.routes import agency_api as routes_agency_api
    from chalicelib.api.sigv4 import SigV4Verifier
    from chalicelib.services.admin.agency_keys import get_agency_keys

    admin = agency_api.as_user("quantri")
    old = new_key(admin, "H33.03")
    rotated = admin.post(
        f"/api/admin/agency-keys/{old['access_key_id']}/rotate", {"grace_seconds": 60}
    )
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert new["access_key_id"] != old["access_key_id"] and new["secret_access_key"]
    assert new["rotated_from"] == old["access_key_id"] and new["agency"] == "H33.03"

    # during the grace both work
    for key in (old, new):
        assert signed_call(agency_api, key, "GET", "/api/agency-api/tasks")[0].status_code == 200
    listed = {k["access_key_id"]: k for k in admin.get("/api/admin/agency-keys").json()["items"]}
    assert listed[old["access_key_id"]]["rotated_to"] == new["access_key_id"]
    assert listed[old["access_key_id"]]["expires_at"]

    # two minutes later (inside the ±5 min signing window) the old key has expired, the new works
    keys = get_agency_keys()
    routes_agency_api.set_verifier(
        SigV4Verifier(
            keys, keys.store, region=REGION, now=lambda: datetime.now(UTC) + timedelta(minutes=2)
        )
    )
    assert_refused(
        signed_call(agency_api, old, "GET", "/api/agency-api/tasks")[0], 403, "key_expired"
    )
    # (an identical request signed in the same second has the same signature: a nonce header
    # keeps this one distinct from the call above, as the guide advises)
    fresh = signed_call(agency_api, new, "GET", "/api/agency-api/tasks", headers={"x-nonce": "2"})
    assert fresh[0].status_code == 200, fresh[0].text
    routes_agency_api.set_verifier(None)

    # a key is rotated once
    again = admin.post(f"/api/admin/agency-keys/{old['access_key_id']}/rotate", {})
    assert_refused(again, 409, "key_not_rotatable")
    assert_refused(
        admin.post(f"/api/admin/agency-keys/{new['access_key_id']}/rotate", {"grace_seconds": -1}),
        400,
        "invalid_input",
    )


def test_the_lead_agency_key_attaches_a_signed_result(agency_api: ApiClient, cloud: Any) -> None:
    import hashlib

    admin = agency_api.as_user("quantri")
    mine, other = new_key(admin, "H33.03"), new_key(admin, "H33.02")
    dossier = waiting_dossier(agency_api, cloud)
    base = f"/api/agency-api/dossiers/{dossier['id']}/result"

    # another agency's key: the dossier does not exist for it
    peek, _ = signed_call(agency_api, other, "POST", f"{base}/upload", {"filename": "kq.pdf"})
    assert_refused(peek, 404, "not_found")

    slot, _ = signed_call(agency_api, mine, "POST", f"{base}/upload", {"filename": "kq.pdf"})
    assert slot.status_code == 201, slot.text
    pdf = text_pdf("Giay phep")
    upload_file(slot.json(), pdf, "application/pdf")
    stolen, _ = signed_call(
        agency_api, other, "POST", f"{base}/finalize", {"key": slot.json()["key"]}
    )
    assert stolen.status_code == 404
    # A key is an agency's system, not a person: with no official's approval recorded yet there
    # is nobody to sign first (issue 19), so nothing is released and the upload waits.
    early, _ = signed_call(
        agency_api, mine, "POST", f"{base}/finalize", {"key": slot.json()["key"]}
    )
    assert_refused(early, 503, "signing_unavailable")
    # The agency's official attaches the same upload: they sign, then the agency.
    fin = agency_api.as_user("sokhdt").post(
        f"/api/agency/dossiers/{dossier['id']}/result/finalize", {"key": slot.json()["key"]}
    )
    assert fin.status_code == 200, fin.text
    result = fin.json()["result"]
    assert result["sha256"] != hashlib.sha256(pdf).hexdigest()  # the signed file, not the upload
    assert agency_api.anonymous().get(f"/api/verify/{result['id']}").json()["valid"] is True
    again, _ = signed_call(agency_api, mine, "POST", f"{base}/upload", {"filename": "kq.pdf"})
    assert again.status_code == 409


def test_a_key_asks_the_applicant_for_a_supplement(agency_api: ApiClient, cloud: Any) -> None:
    mine = new_key(agency_api.as_user("quantri"), "H33.03")
    dossier = waiting_dossier(agency_api, cloud)
    tasks, _ = signed_call(agency_api, mine, "GET", "/api/agency-api/tasks")
    step = tasks.json()["items"][0]["step_id"]
    path = f"/api/agency-api/dossiers/{dossier['id']}/steps/{step}/complete"
    bare, _ = signed_call(agency_api, mine, "POST", path, {"outcome": "supplement"})
    assert bare.status_code == 400, bare.text  # the reasons are required
    asked, _ = signed_call(
        agency_api, mine, "POST", path, {"outcome": "supplement", "note": "Thiếu bản vẽ mặt bằng"}
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"]["code"] == 5
    mine_view = agency_api.as_user("congdan").get(f"/api/my/dossiers/{dossier['id']}").json()
    assert mine_view["status"]["code"] == 5
    assert "Thiếu bản vẽ mặt bằng" in json.dumps(mine_view, ensure_ascii=False)
