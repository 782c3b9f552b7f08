"""The VNeID twin (panva's oidc-provider on Node) and our OIDC client against it, over HTTP.

One twin for the module (about a second to start). Each test puts the twin back to `ok`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import requests

from chalicelib.domain.assurance import acr_for_level
from chalicelib.domain.errors import DomainError, Unauthorized
from chalicelib.integrations.vneid import VneidOidc
from infra.twins.vneid_twin import VneidTwin, node_available, vneid_twin
from tests.support.vneid_browserless import sign_in_at_twin

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not node_available(), reason="node/npm not installed"),
]

REDIRECT = "http://localhost:65000/"
AN = ("093090000123", "VNeID@2026")  # level 2
BINH = ("093195000456", "VNeID@2026")  # level 1
SONG_HAU = ("6300123456", "VNeID@2026")  # a business's account, level 2
ACR = acr_for_level(1)  # what sign-in asks for: "urn:vneid:loa:2 urn:vneid:loa:1"


@pytest.fixture(scope="module")
def twin() -> Iterator[VneidTwin]:
    with vneid_twin([REDIRECT]) as running:
        yield running


@pytest.fixture
def client(twin: VneidTwin) -> Iterator[VneidOidc]:
    twin.set_mode("ok")
    yield VneidOidc(
        issuer=twin.issuer,
        client_id=twin.client_id,
        client_secret=twin.client_secret,
        timeout_seconds=1.0,
    )
    twin.set_mode("ok")


def _sign_in(client: VneidOidc, who: tuple[str, str]) -> tuple[str, str, str]:
    """(id_token, nonce, verifier) for a completed sign-in of `who`."""
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    url = client.authorization_url(
        state=state, nonce=nonce, code_verifier=verifier, redirect_uri=REDIRECT, acr_values=ACR
    )
    back = sign_in_at_twin(url, *who, REDIRECT)
    assert back["state"] == state
    token = client.exchange_code(code=back["code"], code_verifier=verifier, redirect_uri=REDIRECT)
    return token, nonce, verifier


def test_discovery_says_pkce_s256_and_the_two_levels(client: VneidOidc) -> None:
    meta = client.discovery()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["acr_values_supported"] == ["urn:vneid:loa:1", "urn:vneid:loa:2"]


def test_code_flow_gives_the_citizens_claims_and_level(client: VneidOidc) -> None:
    token, nonce, _ = _sign_in(client, AN)
    who = client.verify_id_token(token, nonce=nonce)
    assert (who.id_number, who.name, who.birth_date) == (
        "093090000123",
        "Nguyễn Văn An",
        "1990-05-12",
    )
    assert who.acr == "urn:vneid:loa:2"
    token1, nonce1, _ = _sign_in(client, BINH)
    assert client.verify_id_token(token1, nonce=nonce1).acr == "urn:vneid:loa:1"
    with pytest.raises(Unauthorized) as exc:  # another sign-in's nonce
        client.verify_id_token(token1, nonce=nonce)
    assert exc.value.code == "vneid_nonce_mismatch"


def test_an_organisation_account_names_the_business_and_its_legal_representative(
    client: VneidOidc,
) -> None:
    token, nonce, _ = _sign_in(client, SONG_HAU)
    who = client.verify_id_token(token, nonce=nonce)
    assert (who.account_kind, who.id_number) == ("organisation", "6300123456")
    assert who.name == "Công ty TNHH Thương mại Sông Hậu"
    assert (who.representative_id, who.representative_name) == ("093090000123", "Nguyễn Văn An")
    assert who.birth_date == ""
    person, person_nonce, _ = _sign_in(client, AN)
    assert client.verify_id_token(person, nonce=person_nonce).account_kind == "person"


def test_the_provider_refuses_a_code_without_the_right_verifier(client: VneidOidc) -> None:
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    url = client.authorization_url(
        state=state, nonce=nonce, code_verifier=verifier, redirect_uri=REDIRECT, acr_values=ACR
    )
    back = sign_in_at_twin(url, *AN, REDIRECT)
    with pytest.raises(Unauthorized) as exc:  # PKCE: a stolen code is useless without it
        client.exchange_code(code=back["code"], code_verifier="x" * 64, redirect_uri=REDIRECT)
    assert exc.value.code == "vneid_code_invalid"


def test_a_wrong_password_stays_on_the_login_page(client: VneidOidc) -> None:
    url = client.authorization_url(
        state="s" * 32,
        nonce="n" * 32,
        code_verifier="v" * 64,
        redirect_uri=REDIRECT,
        acr_values=ACR,
    )
    with pytest.raises(AssertionError, match="401"):
        sign_in_at_twin(url, AN[0], "sai-mat-khau", REDIRECT)


def test_bad_signature_mode_is_refused(twin: VneidTwin, client: VneidOidc) -> None:
    twin.set_mode("bad_signature")
    token, nonce, _ = _sign_in(client, AN)
    with pytest.raises(Unauthorized) as exc:
        client.verify_id_token(token, nonce=nonce)
    assert exc.value.code == "vneid_token_invalid"


@pytest.mark.parametrize("mode", ["down", "slow"])
def test_down_or_slow_is_unavailable(twin: VneidTwin, client: VneidOidc, mode: str) -> None:
    twin.set_mode(mode, delay_ms=2500)  # the client waits 1 s
    with pytest.raises(DomainError) as exc:
        client.discovery()
    assert (exc.value.code, exc.value.status) == ("vneid_unavailable", 503)
    assert "mật khẩu" in exc.value.message_vi  # offers the password alternative


def test_the_twins_mode_endpoint_refuses_an_unknown_mode(twin: VneidTwin) -> None:
    resp = requests.post(f"{twin.issuer}/__twin/mode", json={"mode": "chaos"}, timeout=5)
    assert resp.status_code == 400
