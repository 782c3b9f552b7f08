"""Filing for another through the API (in process, moto): a parent signed in with VNeID files for
a minor child, a business's legal representative files as the business (its VNeID organisation
account), and both parties of each follow the dossier, read-only; the representation is on the
dossier, the receipt (form 01) and the register. Every VNeID sign-in is audited. The provider is
the local fake (tests/fakes/vneid.py: real token checks)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest

from infra.resources import Outputs
from tests.fakes.vneid import CLIENT_ID, ISSUER, SESSION_KEY, FakeVneid
from tests.support.client import ApiClient
from tests.support.journeys import FEE_PAID_AT_DESK, upload_required_papers
from tests.support.samples import FORM_EXAMPLES

pytestmark = pytest.mark.integration

PROC = "2.001610"
PARENT_ID, CHILD_ID, BUSINESS_ID = "093090000123", "093214000777", "6300123456"
CHILD = {
    "kind": "person",
    "name": "Nguyễn Minh Khang",
    "id_number": CHILD_ID,
    "birth_date": "2014-03-01",
}
FOR_CHILD = {
    "procedure_code": PROC,
    # what the parent typed: the contact details stay, the name and number are the child's
    "applicant": {"name": "Nguyễn Văn An", "id_number": PARENT_ID, "phone": "0911111111"},
    "form_data": FORM_EXAMPLES[PROC],
    "representation": {
        "kind": "parent",
        "represented": CHILD,
        "basis": "birth_certificate",
        "basis_ref": "Số 12/2014, quyển 01",
    },
}
ORGANISATION = {
    "sub": "vneid-org-songhau",
    "so_dinh_danh": BUSINESS_ID,
    "name": "Công ty TNHH Thương mại Sông Hậu",
    "birthdate": None,
    "loai_tai_khoan": "to_chuc",
    "nguoi_dai_dien": {"so_dinh_danh": PARENT_ID, "name": "Nguyễn Văn An"},
}


@pytest.fixture
def idp(aws: Outputs, api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVneid]:
    from chalicelib.services.deps import get_deps, set_deps
    from chalicelib.settings import get_settings

    monkeypatch.setenv("VNEID_ISSUER", ISSUER)
    monkeypatch.setenv("VNEID_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SESSION_SIGNING_KEY", SESSION_KEY)
    get_settings.cache_clear()
    set_deps(None)
    fake = FakeVneid()
    get_deps().vneid = fake
    yield fake


def _session(api: ApiClient, idp: FakeVneid, **claims: Any) -> ApiClient:
    """A client signed in through the VNeID flow with an ID token carrying `claims`."""
    start = api.anonymous().post("/api/auth/vneid/start", {})
    assert start.status_code == 200, start.text
    state = start.json()["state"]
    code = f"code-{state[:8]}"
    claims.setdefault("nonce", idp.last_authorization["nonce"])
    idp.codes[code] = idp.mint(**claims)
    reply = api.anonymous().post("/api/auth/vneid/callback", {"code": code, "state": state})
    assert reply.status_code == 200, reply.text
    return ApiClient(api.client, api.accounts, reply.json()["id_token"])


def _submitted(api: ApiClient, who: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    created = who.post("/api/my/dossiers", body)
    assert created.status_code == 201, created.text
    dossier: dict[str, Any] = created.json()
    path = f"/api/my/dossiers/{dossier['id']}"
    upload_required_papers(who.post, path, dossier["documents"])
    sub = who.post(f"{path}/submit")
    assert sub.status_code == 200, sub.text
    return dossier


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_a_parent_files_for_a_child_and_both_follow_it(api: ApiClient, idp: FakeVneid) -> None:
    parent = _session(api, idp)  # Nguyễn Văn An, level 2
    d = _submitted(api, parent, FOR_CHILD)
    assert (d["applicant"]["name"], d["applicant"]["id_number"]) == (CHILD["name"], CHILD_ID)
    assert d["applicant"]["phone"] == "0911111111"
    rep = d["representation"]
    assert (rep["kind"], rep["representative"]["id_number"]) == ("parent", PARENT_ID)
    assert rep["representative"]["name"] == "Nguyễn Văn An"  # from VNeID, not typed
    assert "Người nộp thay: Nguyễn Văn An" in d["representation_text"]

    accepted = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
    assert accepted.status_code == 200, accepted.text
    receipt = api.as_user("motcua").get(
        f"/api/desk/dossiers/{d['id']}/receipt.pdf", headers={"Accept": "application/pdf"}
    )
    assert receipt.status_code == 200
    text = _pdf_text(receipt.body)
    assert "Tiếp nhận hồ sơ của: Nguyễn Minh Khang" in text
    assert "Người nộp thay (đại diện): Nguyễn Văn An" in text
    staff = api.as_user("motcua").get(f"/api/desk/dossiers/{d['id']}").json()
    assert staff["representation"]["represented"]["id_number"] == CHILD_ID

    # The child, signed in with their own VNeID account, follows it (read-only).
    child = _session(
        api, idp, sub="vneid-sub-khang", so_dinh_danh=CHILD_ID, name=CHILD["name"],
        birthdate=CHILD["birth_date"],
    )  # fmt: skip
    listed = child.get("/api/my/followed-dossiers").json()["items"]
    assert [(x["id"], x["representative_name"]) for x in listed] == [(d["id"], "Nguyễn Văn An")]
    assert child.get(f"/api/my/followed-dossiers/{d['id']}").status_code == 200
    assert child.get(f"/api/my/dossiers/{d['id']}").status_code == 404  # not theirs to change
    withdraw = child.post(f"/api/my/dossiers/{d['id']}/withdraw", {"reason": "Không cần nữa ạ"})
    assert withdraw.status_code == 404
    assert [x["id"] for x in parent.get("/api/my/followed-dossiers").json()["items"]] == [d["id"]]

    # Anyone else: not listed, 404 (as a dossier that does not exist).
    other = _session(api, idp, sub="vneid-sub-binh", so_dinh_danh="093195000456", name="Bình")
    assert other.get("/api/my/followed-dossiers").json()["items"] == []
    assert other.get(f"/api/my/followed-dossiers/{d['id']}").status_code == 404
    # A password account whose profile says the child's number is not the child.
    from chalicelib.services.deps import get_deps

    store = get_deps().store
    sub = store.sub_of_username("congdan")
    assert sub is not None
    store.put_profile(sub, {**(store.get_profile(sub) or {}), "id_number": CHILD_ID})
    typed = api.as_user("congdan")
    assert typed.get("/api/me").json()["id_number"] == CHILD_ID
    assert typed.get(f"/api/my/followed-dossiers/{d['id']}").status_code == 404


def test_only_a_vneid_account_acts_for_another(api: ApiClient, idp: FakeVneid) -> None:
    refused = api.as_user("congdan").post("/api/my/dossiers", FOR_CHILD)
    assert (refused.status_code, refused.json()["code"]) == (403, "representation_needs_vneid")


def test_an_adult_or_an_authorisation_not_covering_the_procedure_is_refused(
    api: ApiClient, idp: FakeVneid
) -> None:
    parent = _session(api, idp)
    adult = {**FOR_CHILD["representation"], "represented": {**CHILD, "birth_date": "2000-01-01"}}
    reply = parent.post("/api/my/dossiers", {**FOR_CHILD, "representation": adult})
    assert (reply.status_code, reply.json()["code"]) == (400, "mandate_adult")
    assert reply.json()["field"] == "representation.represented.birth_date"
    written = {
        "kind": "authorised",
        "represented": {"name": "Trần Thị Bình", "id_number": "093195000456"},
        "basis": "authorisation",
        "valid_from": "2026-01-01",
        "valid_until": "2099-12-31",
        "procedures": ["1.000001"],
        "certified": True,
    }
    reply = parent.post("/api/my/dossiers", {**FOR_CHILD, "representation": written})
    assert (reply.status_code, reply.json()["code"]) == (403, "mandate_not_covering")
    # Covering it, the draft is made, and the authorisation is asked for as a paper.
    written["procedures"] = [PROC]
    draft = parent.post("/api/my/dossiers", {**FOR_CHILD, "representation": written})
    assert draft.status_code == 201, draft.text
    # once: this procedure lists an authorisation paper itself, and the dossier adds none then
    assert [doc["id"] for doc in draft.json()["documents"]].count("giay-uy-quyen") == 1


def test_a_business_files_through_its_organisation_account(api: ApiClient, idp: FakeVneid) -> None:
    import uuid

    from chalicelib.services.deps import get_deps
    from chalicelib.services.identity.vneid import SUBJECT_NAMESPACE
    from chalicelib.store.audit import AuditStore

    business = _session(api, idp, **ORGANISATION)
    me = business.get("/api/me").json()
    assert (me["account_kind"], me["id_number"]) == ("organisation", BUSINESS_ID)
    body = {k: v for k, v in FOR_CHILD.items() if k != "representation"}
    d = _submitted(api, business, body)
    assert (d["applicant"]["name"], d["applicant"]["id_number"]) == (
        ORGANISATION["name"],
        BUSINESS_ID,
    )
    rep = d["representation"]
    assert (rep["kind"], rep["basis"]) == ("legal_representative", "organisation_account")
    assert rep["representative"]["id_number"] == PARENT_ID

    # The legal representative, signed in as themselves, follows the business's dossier.
    person = _session(api, idp)
    assert [x["id"] for x in person.get("/api/my/followed-dossiers").json()["items"]] == [d["id"]]

    # Each sign-in is an audit event on the account's stream (level and kind, no number).
    deps = get_deps()
    org_sub = str(uuid.uuid5(SUBJECT_NAMESPACE, f"{ISSUER}|{ORGANISATION['sub']}"))
    audit = AuditStore(deps.store.client, deps.store.table)
    events, _ = audit.read_stream(f"ACCOUNT#{org_sub}")
    signins = [e for e in events if e.action == "vneid_signin"]
    assert [e.detail for e in signins] == [{"assurance_level": 2, "account_kind": "organisation"}]
