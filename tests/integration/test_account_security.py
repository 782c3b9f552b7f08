"""The person's own account through the API: profile edits (encrypted at rest), "my account is
compromised" (locked in Cognito, administrator notified through the outbox, audited), and the
administrator's unlock."""

from __future__ import annotations

import pytest

from tests.support.client import ApiClient

pytestmark = pytest.mark.integration


def _sub(api: ApiClient, username: str) -> str:
    r = api.as_user(username).get("/api/me")
    assert r.status_code == 200, r.text
    return str(r.json()["sub"])


def test_profile_update_is_shown_by_me_and_the_phone_is_encrypted_at_rest(api: ApiClient) -> None:
    from chalicelib.services.deps import get_deps

    me = api.as_user("congdan")
    r = me.post(
        "/api/me/profile",
        {"name": "Nguyễn Văn Mới", "phone": "0912 345 678", "address": "Số 1, Vị Thanh"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "0912 345 678"
    shown = me.get("/api/me").json()
    assert shown["name"] == "Nguyễn Văn Mới"
    assert shown["phone"] == "0912 345 678" and shown["address"] == "Số 1, Vị Thanh"
    assert shown["role"] == "citizen"  # role and unit are not the person's to change

    deps = get_deps()
    raw = deps.store.client.get_item(
        TableName=deps.store.table,
        Key={"PK": {"S": f"USER#{shown['sub']}"}, "SK": {"S": "PROFILE"}},
    )["Item"]
    assert "0912 345 678" not in raw["data"]["S"] and "pii" in raw

    # unknown fields and a malformed phone are refused with a field
    bad = me.post("/api/me/profile", {"role": "admin"})
    assert bad.status_code == 400, bad.text
    bad = me.post("/api/me/profile", {"phone": "abc"})
    assert bad.status_code == 400 and bad.json()["field"] == "phone", bad.text
    assert api.anonymous().post("/api/me/profile", {"name": "x"}).status_code == 401


def test_report_compromised_locks_notifies_the_admin_and_the_admin_reenables(
    api: ApiClient,
) -> None:
    from chalicelib.services.deps import get_deps
    from chalicelib.services.identity import account_security
    from chalicelib.store.audit import AuditStore

    sub = _sub(api, "congdan2")
    me = api.as_user("congdan2")
    r = me.post("/api/me/compromised", {"note": "Tôi nhận được mã OTP lạ"})
    assert r.status_code == 200, r.text
    assert r.json()["locked"] is True

    # locked: no new sign-in
    again = api.anonymous().sign_in("congdan2")
    assert again.status_code == 401, again.text

    # the administrator is notified through the outbox
    deps = get_deps()
    items = deps.store.client.query(
        TableName=deps.store.table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "NOTIFY#ADMIN"}},
    )["Items"]
    assert len(items) == 1
    assert items[0]["GSI1PK"]["S"] == "OUTBOX#PENDING"
    message = account_security.list_admin_outbox(deps)[0]
    assert message["kind"] == "account_compromised" and message["username"] == "congdan2"
    assert message["recipient"] == "ADMIN"

    # the account's audit stream has the report
    events, _ = AuditStore(deps.store.client, deps.store.table).read_stream(f"ACCOUNT#{sub}")
    assert [e.action for e in events][-1] == "account_reported_compromised"

    # only an administrator sees and unlocks it
    locked = me.get("/api/admin/accounts/congdan2")  # the old token no longer works at all
    assert locked.status_code == 401 and locked.json()["code"] == "account_locked"
    admin = api.as_user("quantri")
    status = admin.get("/api/admin/accounts/congdan2").json()
    assert status["enabled"] is False and status["locked_at"]
    assert admin.get("/api/admin/accounts/nobody-here").status_code == 404
    r = admin.post("/api/admin/accounts/congdan2/enable", {})
    assert r.status_code == 200, r.text
    assert admin.get("/api/admin/accounts/congdan2").json() == {
        **status,
        "enabled": True,
        "locked_at": None,
        "locked_reason": None,
    }
    assert api.anonymous().sign_in("congdan2").status_code == 200
    events, _ = AuditStore(deps.store.client, deps.store.table).read_stream(f"ACCOUNT#{sub}")
    assert [e.action for e in events][-1] == "account_enabled"
