"""VNeID ID-token checks and our session, with a locally generated JWKS (no network, no Node)."""

from __future__ import annotations

import time

import jwt
import pytest

from chalicelib.api.auth import caller_from_claims
from chalicelib.domain import assurance
from chalicelib.domain.errors import Forbidden, Unauthorized
from chalicelib.services.identity import sessions
from chalicelib.settings import Settings
from tests.fakes.vneid import SESSION_KEY, FakeVneid, rsa_key

NONCE = "nonce-1"


@pytest.fixture
def idp() -> FakeVneid:
    return FakeVneid()


def _refused(idp: FakeVneid, token: str, nonce: str = NONCE) -> str:
    with pytest.raises(Unauthorized) as exc:
        idp.verify_id_token(token, nonce=nonce)
    assert exc.value.message_vi  # a Vietnamese message for the sign-in page
    return exc.value.code


def test_a_good_token_gives_the_identity(idp: FakeVneid) -> None:
    who = idp.verify_id_token(idp.mint(), nonce=NONCE)
    assert (who.id_number, who.name, who.birth_date, who.acr) == (
        "093090000123",
        "Nguyễn Văn An",
        "1990-05-12",
        "urn:vneid:loa:2",
    )


def test_a_forged_token_signed_by_another_key_under_the_same_kid(idp: FakeVneid) -> None:
    assert _refused(idp, idp.mint(rsa_key())) == "vneid_token_invalid"


def test_a_token_with_a_changed_claim_fails_the_signature(idp: FakeVneid) -> None:
    header, payload, signature = idp.mint().split(".")
    other = idp.mint(so_dinh_danh="001099999999").split(".")[1]
    assert _refused(idp, f"{header}.{other}.{signature}") == "vneid_token_invalid"
    assert payload != other


def test_unsigned_or_hmac_tokens_are_refused(idp: FakeVneid) -> None:
    none_token = jwt.encode(idp.claims(), None, algorithm="none", headers={"kid": idp.kid})
    assert _refused(idp, none_token) == "vneid_token_invalid"
    hmac_token = jwt.encode(
        idp.claims(), "test-secret-" * 4, algorithm="HS256", headers={"kid": "x"}
    )
    assert _refused(idp, hmac_token) == "vneid_token_invalid"  # the client secret signs nothing


def test_wrong_audience_and_wrong_issuer(idp: FakeVneid) -> None:
    assert _refused(idp, idp.mint(aud="another-client")) == "vneid_token_audience"
    assert _refused(idp, idp.mint(aud=["another-client", "tthc-test"])) == "vneid_token_audience"
    assert _refused(idp, idp.mint(iss="https://evil.test")) == "vneid_token_issuer"


def test_expired_token_on_an_injected_clock(idp: FakeVneid) -> None:
    token = idp.mint()
    idp.fixed_now = time.time() + 600 + 31  # past exp and the 30 s leeway
    assert _refused(idp, token) == "vneid_token_expired"
    idp.fixed_now = time.time() + 600 + 29
    assert idp.verify_id_token(token, nonce=NONCE).subject == "vneid-sub-an"


def test_nonce_mismatch_and_missing_nonce(idp: FakeVneid) -> None:
    assert _refused(idp, idp.mint(), nonce="another-sign-in") == "vneid_nonce_mismatch"
    assert _refused(idp, idp.mint(nonce=None)) == "vneid_nonce_mismatch"


def test_unknown_level_and_missing_identity_claims(idp: FakeVneid) -> None:
    assert _refused(idp, idp.mint(acr="urn:vneid:loa:3")) == "vneid_acr_unknown"
    assert _refused(idp, idp.mint(acr=None)) == "vneid_acr_unknown"
    assert _refused(idp, idp.mint(so_dinh_danh=None)) == "vneid_claims_missing"


def test_an_unknown_kid_refreshes_the_jwks_at_most_every_30_seconds(idp: FakeVneid) -> None:
    idp.verify_id_token(idp.mint(), nonce=NONCE)  # keys cached
    jwks_url = "https://vneid.test/jwks"
    assert idp._http.gets.count(jwks_url) == 1
    assert _refused(idp, idp.mint(kid="rotated-away")) == "vneid_token_invalid"
    assert idp._http.gets.count(jwks_url) == 1  # fetched just now: made-up kids fetch nothing
    idp._jwks_at -= 31  # half a minute later (the throttle's clock)
    assert _refused(idp, idp.mint(kid="rotated-away")) == "vneid_token_invalid"
    assert idp._http.gets.count(jwks_url) == 2


def test_the_client_secret_is_not_in_its_repr(idp: FakeVneid) -> None:
    assert "test-secret" not in repr(idp)


# ---- assurance levels (domain) -------------------------------------------------------------------
def test_level_rules() -> None:
    assert assurance.level_of_acr("urn:vneid:loa:1") == 1
    assert assurance.level_of_acr("urn:vneid:loa:9") is None
    assert assurance.acr_for_level(2) == "urn:vneid:loa:2"
    assert assurance.acr_for_level(1) == "urn:vneid:loa:2 urn:vneid:loa:1"
    assurance.require_level(2, 2)
    assurance.require_level(0, 0)
    with pytest.raises(Forbidden) as exc:
        assurance.require_level(1, 2)  # a downgraded (level-1) account for a level-2 procedure
    assert exc.value.code == "assurance_too_low"
    assert "mức độ 2" in exc.value.message_vi and "mức độ 1" in exc.value.message_vi
    with pytest.raises(Forbidden) as exc:
        assurance.require_level(0, 1)  # a password account
    assert "VNeID" in exc.value.message_vi


# ---- our session ---------------------------------------------------------------------------------
SETTINGS = Settings(session_signing_key=SESSION_KEY, session_seconds=900)


def test_session_round_trip_and_the_caller_it_makes() -> None:
    token, lifetime = sessions.issue(
        SETTINGS, {"sub": "s-1", "username": "vneid-s1", "idp": "vneid", "loa": 1}
    )
    assert lifetime == 900 and sessions.is_session_token(token)
    claims = sessions.verify(SETTINGS, token)
    who = caller_from_claims(claims, {"role": "citizen", "name": "Trần Thị Bình"})
    assert (who.role, who.identity_provider, who.assurance_level) == ("citizen", "vneid", 1)
    assert who.name == "Trần Thị Bình"


def test_a_session_cannot_claim_a_staff_role() -> None:
    token, _ = sessions.issue(SETTINGS, {"sub": "s-2", "idp": "vneid", "loa": 2})
    with pytest.raises(Forbidden):
        caller_from_claims(sessions.verify(SETTINGS, token), {"role": "desk", "unit": "X"})


def test_a_session_signed_with_another_key_or_expired_is_refused() -> None:
    other = Settings(session_signing_key="z" * 40)
    token, _ = sessions.issue(other, {"sub": "s-3", "idp": "vneid", "loa": 2})
    with pytest.raises(Unauthorized) as exc:
        sessions.verify(SETTINGS, token)
    assert exc.value.code == "token_invalid"
    old, _ = sessions.issue(SETTINGS, {"sub": "s-3"}, now=lambda: time.time() - 2000)
    with pytest.raises(Unauthorized) as exc:
        sessions.verify(SETTINGS, old)
    assert exc.value.code == "token_expired"


def test_a_password_accounts_claims_have_level_zero() -> None:
    who = caller_from_claims({"sub": "c-1", "iss": "https://cognito", "loa": 2}, None)
    assert (who.identity_provider, who.assurance_level) == ("password", 0)  # loa is ignored
