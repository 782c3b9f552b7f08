"""Token verification and callers against moto's Cognito (in process, and once in server mode)."""

from __future__ import annotations

import base64
import gzip
import json
import socket
from collections.abc import Iterator
from importlib import resources
from types import SimpleNamespace
from typing import Any

import boto3
import jwt
import pytest
from chalice.app import Request
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

from chalicelib.api.auth import (
    Caller,
    StaticJwks,
    TokenVerifier,
    UrlJwks,
    caller_from_request,
    cognito_issuer,
    default_jwks_url,
    require_role,
    require_unit,
)
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from chalicelib.integrations.cognito import CognitoAccounts
from chalicelib.settings import Settings

REGION = "ap-southeast-1"
PASSWORD = "Passw0rd!!"


# ---- helpers ------------------------------------------------------------------------------------
def moto_jwks() -> dict[str, Any]:
    """The public keys moto signs its Cognito tokens with (kid "dummy")."""
    data = (resources.files("moto") / "cognitoidp/resources/jwks-public.json.gz").read_bytes()
    return json.loads(gzip.decompress(data))


def make_request(headers: dict[str, str] | None = None) -> Request:
    event = {
        "multiValueQueryStringParameters": None,
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "pathParameters": None,
        "requestContext": {"httpMethod": "GET", "resourcePath": "/api/me", "path": "/api/me"},
        "body": None,
        "stageVariables": None,
    }
    return Request(event)


def bearer(token: str) -> Request:
    return make_request({"Authorization": f"Bearer {token}"})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unverified(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


class Profiles:
    def __init__(self, items: dict[str, dict[str, Any]] | None = None) -> None:
        self.items = items or {}

    def get_profile(self, sub: str) -> dict[str, Any] | None:
        return self.items.get(sub)


@pytest.fixture(autouse=True)
def _no_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def pool() -> Iterator[SimpleNamespace]:
    with mock_aws():
        client = boto3.client("cognito-idp", region_name=REGION)
        pool_id = client.create_user_pool(PoolName="tthc")["UserPool"]["Id"]

        def app_client(name: str) -> str:
            return client.create_user_pool_client(
                UserPoolId=pool_id,
                ClientName=name,
                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                ReadAttributes=["email", "name"],
            )["UserPoolClient"]["ClientId"]

        client_id = app_client("web")
        accounts = CognitoAccounts(
            client, user_pool_id=pool_id, client_id=client_id, auto_confirm=True
        )
        verifier = TokenVerifier(
            user_pool_id=pool_id, client_id=client_id, region=REGION, jwks=StaticJwks(moto_jwks())
        )
        yield SimpleNamespace(
            client=client,
            pool_id=pool_id,
            client_id=client_id,
            other_client_id=app_client("other"),
            accounts=accounts,
            verifier=verifier,
        )


def citizen_tokens(pool: SimpleNamespace, username: str = "an") -> tuple[str, dict[str, Any]]:
    sub = pool.accounts.sign_up(username, PASSWORD, f"{username}@example.vn", "Nguyễn Văn An")
    return sub, pool.accounts.sign_in(username, PASSWORD)


# ---- sign-up, sign-in, verification -------------------------------------------------------------
def test_signed_up_citizen_is_verified_as_citizen(pool: SimpleNamespace) -> None:
    sub, tokens = citizen_tokens(pool)
    assert set(tokens) == {"id_token", "access_token", "refresh_token", "expires_in"}

    caller = caller_from_request(bearer(tokens["id_token"]), pool.verifier, Profiles())

    assert caller == Caller(
        sub=sub,
        username="an",
        role="citizen",
        unit=None,
        groups=(),
        name="Nguyễn Văn An",
        email="an@example.vn",
    )
    assert not caller.is_staff


def test_issuer_is_the_aws_style_one_in_process(pool: SimpleNamespace) -> None:
    _, tokens = citizen_tokens(pool)
    claims = unverified(tokens["id_token"])
    assert claims["iss"] == cognito_issuer(REGION, pool.pool_id)
    assert claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool.pool_id}"


def test_profile_makes_a_desk_officer(pool: SimpleNamespace) -> None:
    sub, tokens = citizen_tokens(pool, "desk1")
    profiles = Profiles(
        {sub: {"role": "desk", "unit": "H15.50", "name": "Trần Thị Bình", "email": "b@hg.vn"}}
    )
    caller = caller_from_request(bearer(tokens["id_token"]), pool.verifier, profiles)
    assert (caller.role, caller.unit, caller.name, caller.email) == (
        "desk",
        "H15.50",
        "Trần Thị Bình",
        "b@hg.vn",
    )
    assert require_unit(caller, "H15.50") is caller
    with pytest.raises(Forbidden) as err:
        require_unit(caller, "H15.51")
    assert err.value.code == "forbidden_unit"


def test_groups_can_refuse_but_not_grant(pool: SimpleNamespace) -> None:
    desk_sub = pool.accounts.admin_create("desk2", PASSWORD, {"email": "d@hg.vn"}, ["desk"])
    citizen_sub = pool.accounts.admin_create("fake", PASSWORD, {"email": "f@hg.vn"}, ["citizen"])
    admin_grouped = pool.accounts.admin_create("g", PASSWORD, {"email": "g@hg.vn"}, ["admin"])
    profiles = Profiles(
        {
            desk_sub: {"role": "desk", "unit": "H15.50"},
            citizen_sub: {"role": "desk", "unit": "H15.50"},  # profile says desk, groups do not
        }
    )

    def caller_for(username: str) -> Caller:
        token = pool.accounts.sign_in(username, PASSWORD)["id_token"]
        return caller_from_request(bearer(token), pool.verifier, profiles)

    desk = caller_for("desk2")
    assert (desk.role, desk.groups) == ("desk", ("desk",))
    with pytest.raises(Forbidden) as err:
        caller_for("fake")
    assert err.value.code == "role_mismatch"
    # A group alone grants nothing: no profile means citizen.
    assert caller_for("g").role == "citizen"
    assert admin_grouped


def test_profile_with_unknown_role_or_missing_unit_is_refused(pool: SimpleNamespace) -> None:
    sub, tokens = citizen_tokens(pool)
    for profile in ({"role": "root"}, {"role": "agency"}):
        with pytest.raises(Forbidden) as err:
            caller_from_request(bearer(tokens["id_token"]), pool.verifier, Profiles({sub: profile}))
        assert err.value.code == "profile_invalid"


def test_admin_create_is_rerunnable_and_creates_groups(pool: SimpleNamespace) -> None:
    first = pool.accounts.admin_create("staff", PASSWORD, {"email": "s@hg.vn"}, ["agency"])
    again = pool.accounts.admin_create("staff", "N3w-Passw0rd!", {"name": "S"}, ["agency"])
    assert first == again
    groups = pool.client.admin_list_groups_for_user(UserPoolId=pool.pool_id, Username="staff")
    assert [g["GroupName"] for g in groups["Groups"]] == ["agency"]
    assert pool.accounts.sign_in("staff", "N3w-Passw0rd!")["id_token"]


def test_refresh_gives_a_verifiable_id_token(pool: SimpleNamespace) -> None:
    sub, tokens = citizen_tokens(pool)
    refreshed = pool.accounts.refresh(tokens["refresh_token"])
    assert refreshed["refresh_token"] == tokens["refresh_token"]
    assert pool.verifier.verify(refreshed["id_token"])["sub"] == sub
    with pytest.raises(Unauthorized) as err:
        pool.accounts.refresh("not-a-refresh-token")
    assert err.value.code == "refresh_invalid"


# ---- refusals -----------------------------------------------------------------------------------
def _code(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthorized) as err:
        verifier.verify(token)
    if token:
        assert token not in str(err.value) and token not in err.value.message_vi
    return err.value.code


def test_forged_signature_with_the_same_kid_is_invalid(pool: SimpleNamespace) -> None:
    _, tokens = citizen_tokens(pool)
    claims = unverified(tokens["id_token"])
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = forger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    forged = jwt.encode(claims, pem, algorithm="RS256", headers={"kid": "dummy"})
    assert _code(pool.verifier, forged) == "token_invalid"


def test_tampered_payload_is_invalid(pool: SimpleNamespace) -> None:
    _, tokens = citizen_tokens(pool)
    header, _, signature = tokens["id_token"].split(".")
    claims = unverified(tokens["id_token"]) | {"sub": "someone-else"}
    payload = b64url(json.dumps(claims).encode())
    assert _code(pool.verifier, f"{header}.{payload}.{signature}") == "token_invalid"


def test_algorithm_confusion_and_none_are_invalid(pool: SimpleNamespace) -> None:
    _, tokens = citizen_tokens(pool)
    claims = unverified(tokens["id_token"])
    none_header = b64url(json.dumps({"alg": "none", "kid": "dummy"}).encode())
    unsigned = f"{none_header}.{b64url(json.dumps(claims).encode())}."
    hs256 = jwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": "dummy"})
    for token in (unsigned, hs256, "garbage", "a.b.c", ""):
        assert _code(pool.verifier, token) == "token_invalid"


def test_expired_token_is_refused_after_the_leeway(pool: SimpleNamespace) -> None:
    _, tokens = citizen_tokens(pool)
    exp = unverified(tokens["id_token"])["exp"]

    def at(now: float) -> TokenVerifier:
        return TokenVerifier(
            user_pool_id=pool.pool_id,
            client_id=pool.client_id,
            region=REGION,
            jwks=StaticJwks(moto_jwks()),
            leeway_seconds=30,
            now=lambda: now,
        )

    assert at(exp + 29).verify(tokens["id_token"])["exp"] == exp
    assert _code(at(exp + 31), tokens["id_token"]) == "token_expired"


def test_token_for_another_app_client_is_refused(pool: SimpleNamespace) -> None:
    pool.accounts.sign_up("an", PASSWORD, "an@example.vn", "An")
    other = CognitoAccounts(
        pool.client, user_pool_id=pool.pool_id, client_id=pool.other_client_id
    ).sign_in("an", PASSWORD)
    assert _code(pool.verifier, other["id_token"]) == "token_audience"


def test_token_from_another_pool_is_refused(pool: SimpleNamespace) -> None:
    _, tokens = citizen_tokens(pool)
    elsewhere = TokenVerifier(
        user_pool_id=f"{REGION}_other",
        client_id=pool.client_id,
        jwks=StaticJwks(moto_jwks()),
    )
    assert _code(elsewhere, tokens["id_token"]) == "token_issuer"


def test_access_token_is_not_an_id_token(pool: SimpleNamespace) -> None:
    _, tokens = citizen_tokens(pool)
    assert _code(pool.verifier, tokens["access_token"]) == "token_use"


def test_missing_or_malformed_authorization_header(pool: SimpleNamespace) -> None:
    for headers, code in (
        ({}, "token_missing"),
        ({"Authorization": "  "}, "token_missing"),
        ({"Authorization": "Basic YWJjOmRlZg=="}, "token_invalid"),
        ({"Authorization": "Bearer"}, "token_invalid"),
        ({"Authorization": "Bearer not.a.jwt"}, "token_invalid"),
    ):
        with pytest.raises(Unauthorized) as err:
            caller_from_request(make_request(headers), pool.verifier, Profiles())
        assert err.value.code == code, headers


def test_unknown_kid_refreshes_the_keys_once(pool: SimpleNamespace) -> None:
    _, tokens = citizen_tokens(pool)

    class Counting(StaticJwks):
        refreshes = 0

        def refresh(self) -> None:
            Counting.refreshes += 1

    verifier = TokenVerifier(
        user_pool_id=pool.pool_id,
        client_id=pool.client_id,
        region=REGION,
        jwks=Counting({"keys": [dict(moto_jwks()["keys"][0], kid="rotated")]}),
    )
    assert _code(verifier, tokens["id_token"]) == "token_invalid"
    assert Counting.refreshes == 1


# ---- Cognito account adapter --------------------------------------------------------------------
def test_bad_password_and_unknown_user_are_indistinguishable(pool: SimpleNamespace) -> None:
    citizen_tokens(pool)
    with pytest.raises(Unauthorized) as wrong_password:
        pool.accounts.sign_in("an", "Wrong-passw0rd")
    with pytest.raises(Unauthorized) as unknown_user:
        pool.accounts.sign_in("nobody", "Wrong-passw0rd")
    first, second = wrong_password.value, unknown_user.value
    assert first.code == second.code == "bad_credentials"
    assert (first.message_vi, first.message_en, first.field, first.status) == (
        second.message_vi,
        second.message_en,
        second.field,
        second.status,
    )


def test_sign_up_without_auto_confirm_cannot_sign_in(pool: SimpleNamespace) -> None:
    accounts = CognitoAccounts(
        pool.client, user_pool_id=pool.pool_id, client_id=pool.client_id, auto_confirm=False
    )
    accounts.sign_up("binh", PASSWORD, "binh@example.vn", "Bình")
    user = pool.client.admin_get_user(UserPoolId=pool.pool_id, Username="binh")
    assert user["UserStatus"] == "UNCONFIRMED"
    with pytest.raises(Unauthorized) as err:
        accounts.sign_in("binh", PASSWORD)
    assert err.value.code == "user_not_confirmed"


def test_sign_up_errors_are_domain_errors(pool: SimpleNamespace) -> None:
    citizen_tokens(pool)
    with pytest.raises(Conflict) as taken:
        pool.accounts.sign_up("an", PASSWORD, "x@example.vn", "X")
    assert (taken.value.code, taken.value.field) == ("username_taken", "username")
    pool.client.update_user_pool(
        UserPoolId=pool.pool_id,
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": True}},
    )
    with pytest.raises(InvalidInput) as weak:
        pool.accounts.sign_up("chi", "short", "c@example.vn", "Chi")
    assert (weak.value.code, weak.value.field) == ("weak_password", "password")


# ---- roles --------------------------------------------------------------------------------------
def test_require_role_and_unit() -> None:
    admin = Caller(sub="a", username="a", role="admin")
    agency = Caller(sub="b", username="b", role="agency", unit="H15.51")
    citizen = Caller(sub="c", username="c", role="citizen")
    assert require_role(agency, "agency", "desk") is agency
    with pytest.raises(Forbidden) as err:
        require_role(admin, "desk")  # admin is not implied
    assert err.value.code == "forbidden_role"
    assert require_unit(admin, "H15.99") is admin
    with pytest.raises(Forbidden):
        require_unit(citizen, None)


# ---- JWKS sources and settings ------------------------------------------------------------------
def test_default_jwks_url_follows_settings() -> None:
    pool_id = f"{REGION}_abc"
    aws = Settings(user_pool_id=pool_id, user_pool_client_id="c")
    assert default_jwks_url(aws) == (
        f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}/.well-known/jwks.json"
    )
    local = Settings(user_pool_id=pool_id, endpoint_url="http://localhost:5000/")
    assert default_jwks_url(local) == f"http://localhost:5000/{pool_id}/.well-known/jwks.json"
    explicit = Settings(user_pool_id=pool_id, jwks_url="https://keys.example/jwks.json")
    assert default_jwks_url(explicit) == "https://keys.example/jwks.json"


def test_url_jwks_caches_and_rate_limits_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    fetches: list[float] = []
    jwks = UrlJwks(
        "https://keys.example/jwks.json",
        ttl_seconds=100,
        min_refresh_seconds=10,
        clock=lambda: now[0],
    )

    def fetch() -> dict[str, Any]:
        fetches.append(now[0])
        return {"keys": [{"n": len(fetches)}]}

    monkeypatch.setattr(jwks, "_fetch", fetch)
    assert jwks.keys() == {"keys": [{"n": 1}]}
    jwks.keys()
    jwks.refresh()  # too soon after the fetch: no new request
    now[0] = 11
    jwks.refresh()
    now[0] = 50
    jwks.keys()
    now[0] = 112
    jwks.keys()  # TTL over
    assert fetches == [0.0, 11, 112]

    def broken() -> dict[str, Any]:
        raise OSError("down")

    monkeypatch.setattr(jwks, "_fetch", broken)
    now[0] = 300
    assert jwks.keys() == {"keys": [{"n": 3}]}  # stale keys beat no keys
    with pytest.raises(ValueError):
        UrlJwks("file:///etc/passwd")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_mode_tokens_verify_with_the_default_jwks_url() -> None:
    """moto server: same AWS-style `iss`, keys served at <endpoint>/<pool>/.well-known/jwks.json."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "cognito-idp",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        pool_id = client.create_user_pool(PoolName="tthc")["UserPool"]["Id"]
        client_id = client.create_user_pool_client(
            UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        accounts = CognitoAccounts(
            client, user_pool_id=pool_id, client_id=client_id, auto_confirm=True
        )
        sub = accounts.sign_up("an", PASSWORD, "an@example.vn", "An")
        token = accounts.sign_in("an", PASSWORD)["id_token"]

        settings = Settings(
            region=REGION,
            endpoint_url=endpoint,
            user_pool_id=pool_id,
            user_pool_client_id=client_id,
        )
        verifier = TokenVerifier.from_settings(settings)
        assert isinstance(verifier.jwks, UrlJwks)
        assert verifier.verify(token)["sub"] == sub
        assert unverified(token)["iss"] == cognito_issuer(REGION, pool_id)
    finally:
        server.stop()


def test_verifier_requires_a_client_id() -> None:
    with pytest.raises(ValueError):
        TokenVerifier(user_pool_id="p", client_id="", jwks=StaticJwks({"keys": []}))


def test_a_request_is_verified_once(pool: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The middleware (idempotency scope) and the handler both need the claims."""
    _, tokens = citizen_tokens(pool)
    calls: list[str] = []
    original = pool.verifier.verify

    def counting(token: str) -> dict[str, Any]:
        calls.append(token)
        return original(token)

    monkeypatch.setattr(pool.verifier, "verify", counting)
    request = bearer(tokens["id_token"])
    first = caller_from_request(request, pool.verifier, Profiles())
    second = caller_from_request(request, pool.verifier, Profiles())
    assert first == second and len(calls) == 1
    caller_from_request(bearer(tokens["id_token"]), pool.verifier, Profiles())
    assert len(calls) == 2
