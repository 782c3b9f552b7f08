"""Signing certificates managed by the administrator through the real app (issue 19): the list
(subject, serial, validity, status), registering a CA-issued certificate for a KMS key, rotating
it (the new one replaces the old, which signs nothing more), revoking one (a result needing it is
not signed: 503), what is refused and why, and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from infra.resources import Outputs
from tests.support.client import ApiClient

pytestmark = pytest.mark.integration

URL = "/api/admin/certificates"
HOLDER = "H33.13"  # Sở Nội vụ: no demo staff, so no demo certificate


def _issue(region: str, cn: str = "Sở Nội vụ tỉnh Hậu Giang", **kw: Any) -> dict[str, str]:
    """A KMS key and a certificate the test CA issues for it, as the administrator uploads it."""
    from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key

    from infra.local.pki_server import local_pki

    kms = boto3.client("kms", region_name=region)
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    pki = local_pki().pki
    pub = load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    cert = pki.issue(pub, cn, "Sở Nội vụ tỉnh Hậu Giang", **kw)  # type: ignore[arg-type]
    return {
        "kind": "agency",
        "holder": HOLDER,
        "key_id": key_id,
        "cert_pem": cert.public_bytes(Encoding.PEM).decode(),
        "chain_pem": "".join(c.public_bytes(Encoding.PEM).decode() for c in pki.chain()),
        "serial": format(cert.serial_number, "x"),
    }


def _body(issued: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in issued.items() if k != "serial"}


def _listed(admin: ApiClient, **query: str) -> dict[tuple[str, str], dict[str, Any]]:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    r = admin.get(URL + (f"?{qs}" if qs else ""))
    assert r.status_code == 200, r.text
    return {(c["kind"], c["holder"]): c for c in r.json()["items"]}


def test_the_list_shows_each_certificate_with_its_validity_and_status(api: ApiClient) -> None:
    admin = api.as_user("quantri")
    rows = _listed(admin)
    agency = rows[("agency", "H33.02")]  # enrolled by the demo loader
    assert agency["subject"] == "Sở Tư pháp tỉnh Hậu Giang" and agency["serial"]
    assert agency["status"] == "in_force" and agency["status_vi"] == "Còn hiệu lực"
    nb = datetime.fromisoformat(agency["not_before"])
    na = datetime.fromisoformat(agency["not_after"])
    assert nb < datetime.now(UTC) < na and agency["days_left"] > 30
    assert ("official", "sotuphap") in rows
    only = _listed(admin, kind="agency")
    assert only and {k for k, _ in only} == {"agency"}
    bad = admin.get(URL + "?kind=ca")
    assert bad.status_code == 400 and bad.json()["field"] == "kind"


def test_register_rotate_and_revoke_an_agencys_certificate(aws: Outputs, api: ApiClient) -> None:
    admin = api.as_user("quantri")
    assert ("agency", HOLDER) not in _listed(admin)
    first = _issue(aws.region)
    r = admin.post(URL, _body(first))
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["serial"], made["status"], made["replaced_serial"]) == (
        first["serial"],
        "in_force",
        None,
    )
    assert made["uploaded_by"] == "quantri" and made["subject"] == "Sở Nội vụ tỉnh Hậu Giang"

    second = _issue(aws.region)  # rotation: a new key, the CA's new certificate
    r = admin.post(URL, _body(second))
    assert r.status_code == 201, r.text
    assert r.json()["replaced_serial"] == first["serial"]
    row = _listed(admin)[("agency", HOLDER)]
    assert (row["serial"], row["key_id"]) == (second["serial"], second["key_id"])

    r = admin.post(f"{URL}/agency/{HOLDER}/revoke", {"reason": "Lộ khóa"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["in_force"]) == ("revoked", False)
    assert _listed(admin)[("agency", HOLDER)]["status_vi"] == "Đã thu hồi"
    again = admin.post(f"{URL}/agency/{HOLDER}/revoke", {})
    assert again.status_code == 200 and again.json()["revoked_at"] == r.json()["revoked_at"]

    from chalicelib.domain import signatures as sig
    from chalicelib.domain.errors import DomainError
    from chalicelib.services.deps import get_deps
    from chalicelib.services.dossier import signing
    from tests.support.pades import small_pdf

    with pytest.raises(DomainError) as e:  # nothing signs in its name any more
        signing.sign_document(get_deps(), small_pdf(), [(sig.SignerRole.AGENCY, HOLDER)])
    assert e.value.status == 503 and HOLDER in e.value.message_vi

    from chalicelib.store.audit import AuditStore

    store = get_deps().store
    events, _ = AuditStore(store.client, store.table).read_stream(f"UNIT#{HOLDER}")
    actions = [ev.action for ev in events]
    assert actions[-3:] == [
        "signing_certificate_registered",
        "signing_certificate_rotated",
        "signing_certificate_revoked",
    ]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"cert_pem": "-----BEGIN CERTIFICATE-----\nxx\n"}, "certificate_invalid", "cert_pem"),
        ({"holder": "H33.99"}, "holder_unknown", "holder"),
        ({"key_id": "other"}, "certificate_key_mismatch", "cert_pem"),
        ({"chain_pem": ""}, "certificate_untrusted", "cert_pem"),
    ],
)
def test_a_bad_upload_is_refused_in_vietnamese_and_nothing_is_kept(
    aws: Outputs, api: ApiClient, change: dict[str, str], code: str, field: str
) -> None:
    admin = api.as_user("quantri")
    body = _body(_issue(aws.region))
    if change.get("key_id") == "other":
        change = {"key_id": _issue(aws.region)["key_id"]}
    r = admin.post(URL, {**body, **change})
    assert r.status_code == 400, r.text
    err = r.json()
    assert (err["code"], err["field"]) == (code, field)
    assert err["message"] and err["message"] != err.get("message_en")
    assert ("agency", HOLDER) not in _listed(admin)


def test_an_expired_certificate_is_refused(aws: Outputs, api: ApiClient) -> None:
    admin = api.as_user("quantri")
    long_ago = datetime.now(UTC) - timedelta(days=800)
    body = _body(_issue(aws.region, not_before=long_ago, not_after=long_ago + timedelta(days=365)))
    r = admin.post(URL, body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "certificate_expired" and "hết hạn" in r.json()["message"]


def test_an_unknown_certificate_cannot_be_revoked(api: ApiClient) -> None:
    r = api.as_user("quantri").post(f"{URL}/official/khongco/revoke", {})
    assert r.status_code == 404 and r.json()["code"]


def test_only_the_administrator_manages_certificates(api: ApiClient) -> None:
    for who in ("sotuphap", "lanhdaosotuphap", "vanphong", "motcua"):
        assert api.as_user(who).get(URL).status_code == 403
        r = api.as_user(who).post(f"{URL}/agency/H33.02/revoke", {})
        assert r.status_code == 403
    assert _listed(api.as_user("quantri"))[("agency", "H33.02")]["status"] == "in_force"
