"""Forgotten password through the real app over in-process moto (whose Cognito checks codes as
Cognito does: `infra.moto_patches.cognito_password_reset`): ask for a code, read it in the local
mailbox the way a tester of `make run` does, set a new password, sign in with it; and every refusal
in Vietnamese (wrong, malformed, used and expired code, weak password, unknown account, too many
tries)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.client import ApiClient

pytestmark = pytest.mark.integration

NEW_PASSWORD = "Matkhau@2027"


@pytest.fixture
def local_mail(monkeypatch: pytest.MonkeyPatch, api: ApiClient) -> Iterator[ApiClient]:
    """The app as `make run` configures it (LOCAL_MAIL) and an anonymous client."""
    from infra.local.stack import reset_app_caches

    monkeypatch.setenv("LOCAL_MAIL", "true")
    monkeypatch.setenv("AUTO_CONFIRM_SIGNUP", "true")
    reset_app_caches()
    yield api.anonymous()
    reset_app_caches()


def _citizen(client: ApiClient) -> str:
    """A new confirmed citizen with an e-mail (a demo account would change under other tests)."""
    username = f"dan{uuid.uuid4().hex[:8]}"
    r = client.post(
        "/api/auth/signup",
        {
            "username": username,
            "password": "Matkhau@2026",
            "email": f"{username}@example.vn",
            "name": "Lê Văn Tám",
        },
    )
    assert r.status_code == 201, r.text
    return username


def _code_from_mailbox(client: ApiClient, username: str) -> str:
    """The newest code in the local mailbox page, by username (what a tester opens)."""
    page = client.get(f"/api/local/mailbox?to={username}")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    found = re.findall(r"mật khẩu tài khoản \S+ là: (\d{6})", page.text)
    assert found, page.text[-600:]
    return found[0]


def _ask(client: ApiClient, username: str) -> Any:
    return client.post("/api/auth/forgot-password", {"username": username})


def _confirm(client: ApiClient, username: str, code: str, password: str = NEW_PASSWORD) -> Any:
    body = {"username": username, "code": code, "password": password}
    return client.post("/api/auth/forgot-password/confirm", body)


def test_reset_with_the_mailed_code_then_sign_in(local_mail: ApiClient) -> None:
    client = local_mail
    username = _citizen(client)
    asked = _ask(client, username)
    assert asked.status_code == 200, asked.text
    assert asked.json()["sent"] is True and "Nếu tài khoản tồn tại" in asked.json()["message"]
    code = _code_from_mailbox(client, username)
    mail = client.get(f"/api/local/mailbox?to={username}@example.vn").text
    assert code in mail  # the same message, found by the e-mail address too

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = _confirm(client, username, wrong)
    assert r.status_code == 400 and r.json()["code"] == "code_mismatch", r.text
    assert r.json()["message"].startswith("Mã xác nhận không đúng") and r.json()["field"] == "code"
    r = _confirm(client, username, "12ab")
    assert r.status_code == 400 and r.json()["code"] == "code_format", r.text
    r = _confirm(client, username, code, "yeu")
    assert r.status_code == 400 and r.json()["code"] == "weak_password", r.text
    assert "Mật khẩu chưa đủ mạnh" in r.json()["message"] and r.json()["field"] == "password"

    done = _confirm(client, username, f" {code[:3]} {code[3:]} ")  # typed with spaces
    assert done.status_code == 200, done.text
    assert client.sign_in(username, NEW_PASSWORD).status_code == 200
    assert client.sign_in(username, "Matkhau@2026").status_code == 401
    used = _confirm(client, username, code)
    assert used.status_code == 400 and used.json()["code"] == "code_expired", used.text
    assert "đã hết hạn" in used.json()["message"]


def test_unknown_account_is_not_disclosed(local_mail: ApiClient) -> None:
    client = local_mail
    known = _ask(client, _citizen(client))
    unknown = _ask(client, f"khongco{uuid.uuid4().hex[:6]}")
    assert unknown.status_code == known.status_code == 200
    assert unknown.json() == known.json()
    r = _confirm(client, f"khongco{uuid.uuid4().hex[:6]}", "123456")
    assert r.status_code == 400 and r.json()["code"] == "code_mismatch", r.text
    missing = client.post("/api/auth/forgot-password", {})
    assert missing.status_code == 400 and missing.json()["field"] == "username", missing.text
    no_key = client.post("/api/auth/forgot-password", {"username": "a"}, idempotency_key=None)
    assert no_key.status_code == 400 and no_key.json()["code"] == "missing_idempotency_key"


def test_expired_code_and_too_many_wrong_codes(local_mail: ApiClient) -> None:
    from moto.cognitoidp.models import cognitoidp_backends

    client = local_mail
    username = _citizen(client)
    assert _ask(client, username).status_code == 200
    code = _code_from_mailbox(client, username)
    backend = next(b for acc in cognitoidp_backends.values() for b in acc.values() if b.user_pools)
    user = next(p._get_user(username) for p in backend.user_pools.values() if p._get_user(username))
    user._tthc_code_until = time.time() - 1  # an hour has passed (the local cloud's clock)
    r = _confirm(client, username, code)
    assert r.status_code == 400 and r.json()["code"] == "code_expired", r.text

    assert _ask(client, username).status_code == 200  # a new code replaces the old one
    fresh = _code_from_mailbox(client, username)
    wrong = f"{(int(fresh) + 1) % 1_000_000:06d}"
    codes = [_confirm(client, username, wrong).json()["code"] for _ in range(5)]
    assert codes == ["code_mismatch"] * 5
    blocked = _confirm(client, username, fresh)  # even the right code, until a new one
    assert blocked.status_code == 429 and blocked.json()["code"] == "too_many_requests"
    assert "thử quá nhiều lần" in blocked.json()["message"]


def test_asking_too_often_is_limited_for_any_username(local_mail: ApiClient) -> None:
    client = local_mail
    for username in (_citizen(client), f"khongco{uuid.uuid4().hex[:6]}"):
        answers = [_ask(client, username).status_code for _ in range(6)]
        assert answers == [200] * 5 + [429], (username, answers)


def test_replayed_request_sends_no_second_code(local_mail: ApiClient) -> None:
    client = local_mail
    username = _citizen(client)
    key = uuid.uuid4().hex
    first = client.post("/api/auth/forgot-password", {"username": username}, idempotency_key=key)
    again = client.post("/api/auth/forgot-password", {"username": username}, idempotency_key=key)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotency-Replayed") == "true"
    page = client.get(f"/api/local/mailbox?to={username}").text
    assert len(re.findall(r"mật khẩu tài khoản \S+ là: \d{6}", page)) == 1


def test_mailbox_is_not_found_outside_the_local_stack(api: ApiClient) -> None:
    r = api.anonymous().get("/api/local/mailbox?to=congdan")
    assert r.status_code == 404 and r.json()["code"] == "not_found", r.text
