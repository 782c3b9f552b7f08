"""Sign-in with VNeID through the API (in process): state and nonce kept server-side and used
once, the ID token checked, the profile filled from its claims, our session accepted everywhere a
Cognito token is, and the assurance level enforced per procedure. The provider is the local fake
(tests/fakes/vneid.py: real token checks, a scripted token endpoint); the real provider twin is
covered by test_vneid_twin.py and the browser test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infra.resources import Outputs
from tests.fakes.vneid import CLIENT_ID, ISSUER, SESSION_KEY, FakeVneid
from tests.support.client import ApiClient
from tests.support.samples import FORM_EXAMPLES

pytestmark = pytest.mark.integration

APPLICANT = {"name": "Nguyễn Văn An", "id_number": "093090000123", "phone": "0911111111"}


@pytest.fixture
def vneid_env(aws: Outputs, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.settings import get_settings

    monkeypatch.setenv("VNEID_ISSUER", ISSUER)
    monkeypatch.setenv("VNEID_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SESSION_SIGNING_KEY", SESSION_KEY)
    get_settings.cache_clear()


@pytest.fixture
def idp(vneid_env: None, api: ApiClient) -> Iterator[FakeVneid]:
    from chalicelib.services.deps import get_deps, set_deps

    set_deps(None)  # the api fixture's Deps read the settings before VNEID_* were set
    fake = FakeVneid()
    get_deps().vneid = fake
    yield fake


def _sign_in(api: ApiClient, idp: FakeVneid, **claims: Any) -> tuple[str, dict[str, Any]]:
    """(state, callback answer) of one sign-in whose ID token has `claims`."""
    start = api.anonymous().post("/api/auth/vneid/start", {})
    assert start.status_code == 200, start.text
    body = start.json()
    assert body["authorization_url"].startswith(f"{ISSUER}/auth?")
    assert "code_challenge_method=S256" in body["authorization_url"]
    code = f"code-{body['state'][:8]}"
    claims.setdefault("nonce", idp.last_authorization["nonce"])
    idp.codes[code] = idp.mint(**claims)
    reply = api.anonymous().post("/api/auth/vneid/callback", {"code": code, "state": body["state"]})
    return body["state"], {"status": reply.status_code, **reply.json()}


def test_sign_in_fills_the_profile_and_the_session_works(api: ApiClient, idp: FakeVneid) -> None:
    state, answer = _sign_in(api, idp)
    assert answer["status"] == 200, answer
    assert (answer["identity_provider"], answer["assurance_level"]) == ("vneid", 2)
    assert answer["logout_url"].startswith(f"{ISSUER}/session/end?id_token_hint=")
    me = ApiClient(api.client, api.accounts, answer["id_token"]).get("/api/me").json()
    assert (me["role"], me["name"], me["id_number"]) == ("citizen", "Nguyễn Văn An", "093090000123")
    assert (me["identity_provider"], me["assurance_level"]) == ("vneid", 2)
    # The same redirect again (a replayed callback, a double click): the state is used up.
    again = api.anonymous().post("/api/auth/vneid/callback", {"code": "code-x", "state": state})
    assert (again.status_code, again.json()["code"]) == (401, "vneid_state_invalid")


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"nonce": "another-sign-ins-nonce"}, "vneid_nonce_mismatch"),
        ({"aud": "another-client"}, "vneid_token_audience"),
    ],
)
def test_a_bad_id_token_gives_no_session(
    api: ApiClient, idp: FakeVneid, claims: dict[str, Any], code: str
) -> None:
    _, answer = _sign_in(api, idp, **claims)
    assert (answer["status"], answer["code"]) == (401, code)
    assert "id_token" not in answer


def test_a_level_2_procedure_refuses_a_level_1_account(api: ApiClient, idp: FakeVneid) -> None:
    from chalicelib.services.deps import get_deps

    store = get_deps().store
    proc = store.get_procedure("2.001610")
    store.put_procedure(proc.model_copy(update={"assurance_level": 2}))
    new = {
        "procedure_code": "2.001610",
        "applicant": APPLICANT,
        "form_data": FORM_EXAMPLES["2.001610"],
    }

    _, binh = _sign_in(api, idp, sub="vneid-sub-binh", acr="urn:vneid:loa:1")
    refused = ApiClient(api.client, api.accounts, binh["id_token"]).post("/api/my/dossiers", new)
    assert refused.status_code == 403
    assert refused.json()["code"] == "assurance_too_low"
    assert "mức độ 2" in refused.json()["message"]

    password = api.as_user("congdan").post("/api/my/dossiers", new)  # our own password account
    assert (password.status_code, password.json()["code"]) == (403, "assurance_too_low")

    _, an = _sign_in(api, idp)
    created = ApiClient(api.client, api.accounts, an["id_token"]).post("/api/my/dossiers", new)
    assert created.status_code == 201, created.text


def test_not_configured_says_so_and_points_to_the_password(api: ApiClient) -> None:
    reply = api.anonymous().post("/api/auth/vneid/start", {})
    assert (reply.status_code, reply.json()["code"]) == (503, "vneid_not_configured")
    assert "mật khẩu" in reply.json()["message"]
