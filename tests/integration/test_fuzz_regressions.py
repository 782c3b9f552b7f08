"""Regressions for what schemathesis found against the live stack (tests/fuzz), in process so they
run with the parallel suite. Each test names its finding.

Finding 1: `hmac.compare_digest` raises TypeError on str with non-ASCII characters. A lookup or
rating link with `?token=é`, a feedback link with such a token, a VNPay `vnp_SecureHash` or a
SigV4 `X-Amz-Content-Sha256` header with one answered 500; they now compare UTF-8 bytes and answer
as for any wrong token.

Finding 2: a breach record's `date_from`/`date_to` were checked by a pattern only, so "4802-04-75"
reached `date.fromisoformat` and answered 500; they are dates now (400 `invalid_input`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.client import ApiClient
from tests.support.journeys import received_online

pytestmark = pytest.mark.integration

ODD_TOKENS = ["é", "Đủ", "\u0000x", "🙂" * 3, "a" * 500]


@pytest.fixture
def received(api: ApiClient) -> dict[str, Any]:
    d = received_online(api)
    mine = api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()
    return {"id": d["id"], "code": mine["code"], "token": mine["lookup_url"].split("token=")[1]}


def test_lookup_and_rating_links_with_non_ascii_tokens_are_refused_not_500(
    api: ApiClient, received: dict[str, Any]
) -> None:
    public = api.anonymous()
    path = f"/api/lookup/{quote(received['code'])}"
    for token in ODD_TOKENS:
        r = public.get(f"{path}?token={quote(token)}")
        assert r.status_code == 200, (token, r.text)
        assert r.json()["verified"] is False
        assert "history" not in r.json()
        for suffix, media in (("qr.png", "image/png"), ("qr.svg", "image/svg+xml")):
            qr = public.get(f"{path}/{suffix}?token={quote(token)}", headers={"Accept": media})
            assert qr.status_code == 200, (token, qr.text)
        rating = public.get(f"/api/ratings/{quote(received['code'])}?token={quote(token)}")
        assert rating.status_code == 404, (token, rating.text)
        assert json.loads(rating.body)["code"]
    # the right token still verifies
    assert public.get(f"{path}?token={received['token']}").json()["verified"] is True


def test_feedback_link_with_a_non_ascii_token_is_404_not_500(api: ApiClient) -> None:
    sent = api.anonymous().post(
        "/api/feedback",
        {
            "subject": "Thái độ phục vụ tại bộ phận một cửa",
            "content": "Cán bộ hướng dẫn chưa rõ ràng, đề nghị xem xét.",
            "agency": "H33.50",
        },
    )
    assert sent.status_code == 201, sent.text
    code = sent.json()["code"]
    for token in ODD_TOKENS:
        r = api.anonymous().get(f"/api/feedback/{quote(code)}?token={quote(token)}")
        assert r.status_code == 404, (token, r.text)
    right = api.anonymous().get(f"/api/feedback/{quote(code)}?token={sent.json()['token']}")
    assert right.status_code == 200, right.text


def test_vnpay_signature_with_non_ascii_text_is_invalid_not_an_error() -> None:
    from chalicelib.integrations import vnpay

    params = {"vnp_TxnRef": "abc", "vnp_Amount": "1000000", "vnp_SecureHash": "é" * 128}
    assert vnpay.verify(params, "secret") is False
    good = {k: v for k, v in params.items() if k != "vnp_SecureHash"}
    good["vnp_SecureHash"] = vnpay.sign(good, "secret")
    assert vnpay.verify(good, "secret") is True


def test_sigv4_content_hash_header_with_non_ascii_text_is_refused_not_an_error() -> None:
    from chalicelib.domain.errors import DomainError
    from tests.support.signing import code_of, sign, verifier
    from tests.support.signing import received as signed_request

    body = b'{"outcome":"approve"}'
    honest = sign("POST", "/api/x", body=body, extra={"x-amz-content-sha256": "é" * 64})
    with pytest.raises(DomainError) as exc:
        verifier().verify(signed_request(honest, "POST", "/api/x", body=body))
    assert code_of(exc) == (401, "body_hash_mismatch")
    ok = sign(
        "POST",
        "/api/x",
        body=body,
        extra={"x-amz-content-sha256": hashlib.sha256(body).hexdigest()},
    )
    assert verifier().verify(signed_request(ok, "POST", "/api/x", body=body)).agency == "H33.03"


@pytest.mark.parametrize("bad", ["4802-04-75", "2026-02-31", "٢٠٢٦-٠١-٠١", "2026-13-01"])
def test_breach_with_an_impossible_date_is_400_not_500(api: ApiClient, bad: str) -> None:
    admin = api.as_user("quantri")
    breach = {"scope": "Lộ dữ liệu thử nghiệm", "categories": ["contact"]}
    r = admin.post("/api/admin/breaches", {**breach, "date_from": bad, "date_to": "2026-01-31"})
    assert r.status_code == 400, r.text
    assert (r.json()["code"], r.json()["field"]) == ("invalid_input", "date_from")
    ok = admin.post(
        "/api/admin/breaches", {**breach, "date_from": "2026-01-01", "date_to": "2026-01-31"}
    )
    assert ok.status_code == 201, ok.text
