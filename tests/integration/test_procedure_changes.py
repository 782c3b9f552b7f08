"""Procedure changes through the real app (Đ10.3, Đ14.5): an agency proposes, the province office
publishes a new version or rejects; running dossiers keep the version they pinned."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.client import ApiClient
from tests.support.journeys import FEE_PAID_AT_DESK, attach_required_documents
from tests.support.samples import FORM_EXAMPLES

pytestmark = pytest.mark.integration

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CHANGES = "/api/agency/procedure-changes"
PENDING = "/api/province/procedure-changes"
# Roles the demo data has no account for: created here the way the demo loader does.
EXTRA_ACCOUNTS = (
    {"username": "vpubnd", "role": "province", "unit": "H33.01", "name": "Văn phòng UBND tỉnh"},
    {"username": "lanhdaokhdt", "role": "leader", "unit": "H33.03", "name": "Lãnh đạo Sở KH&ĐT"},
)
PASSWORD = "Demo@2026"
DETAIL_EXTRAS = ("lead_agency_name", "fee_total_vnd", "is_online", "repealed")


@pytest.fixture
def papi(api: ApiClient) -> Iterator[ApiClient]:
    """The app with the province-office and leader accounts this feature needs."""
    from chalicelib import aws
    from chalicelib.settings import get_settings
    from chalicelib.store.table import DynamoStore
    from infra.demo import ensure_account

    cognito = aws.client("cognito-idp")
    store = DynamoStore()
    for acc in EXTRA_ACCOUNTS:
        full = {**acc, "password": PASSWORD, "email": f"{acc['username']}@example.vn"}
        sub = ensure_account(cognito, get_settings().user_pool_id, full)
        store.put_profile(sub, {k: full[k] for k in ("username", "role", "unit", "name")})
        api.accounts[acc["username"]] = {**full, "sub": sub}
    yield api


def _today_vn() -> date:
    return datetime.now(UTC).astimezone(VN).date()


def _draft_from(detail: dict[str, Any]) -> dict[str, Any]:
    """A procedure's published JSON as an editable draft (without the view's extra fields)."""
    out = copy.deepcopy({k: v for k, v in detail.items() if k not in DETAIL_EXTRAS})
    for key in ("version", "published_at", "effective_date", "state"):
        out.pop(key, None)
    return out


def _create_draft_dossier(api: ApiClient, code: str) -> dict[str, Any]:
    r = api.as_user("congdan").post(
        "/api/my/dossiers",
        {
            "procedure_code": code,
            "applicant": {"name": "Nguyễn Văn An", "id_number": "093090001234"},
            "form_data": FORM_EXAMPLES[code],
        },
    )
    return {**(r.json() if r.body else {}), "http_status": r.status_code}


def _propose(client: ApiClient, **body: Any) -> Any:
    payload = {
        "legal_basis": "Quyết định số 2150/QĐ-UBND ngày 25/11/2026 của Chủ tịch UBND tỉnh",
        "effective_date": (_today_vn() + timedelta(days=1)).isoformat(),
        **body,
    }
    return client.post(CHANGES, payload)


def _counters(agency: str) -> dict[str, int]:
    from chalicelib.store.table import DynamoStore

    month = datetime.now(UTC).astimezone(VN).strftime("%Y-%m")
    return {k: v for row in DynamoStore().counters(agency, month).values() for k, v in row.items()}


def test_amendment_is_published_as_version_2_and_running_dossiers_keep_version_1(
    papi: ApiClient,
) -> None:
    code = "2.000488"
    v1 = papi.get(f"/api/procedures/{code}").json()
    assert v1["version"] == 1
    # GIVEN a citizen's draft made before the amendment
    old = _create_draft_dossier(papi, code)
    assert old["http_status"] == 201, old
    assert old["procedure_version"] == 1

    # WHEN the Department of Justice proposes an amendment (a new required document, a renamed step)
    draft = _draft_from(v1)
    draft["name"] = v1["name"] + " (sửa đổi)"
    draft["documents"].append({"id": "anh-chan-dung", "name": "Ảnh chân dung 4x6"})
    draft["steps"][-1]["name"] = "Lập, ký và trả phiếu"
    agency = papi.as_user("sotuphap")
    proposed = _propose(agency, kind="amended", procedure_code=code, draft=draft)
    assert proposed.status_code == 201, proposed.text
    change = proposed.json()
    assert (change["state"], change["lead_agency"]) == ("proposed", "H33.02")
    assert change["id"] in [c["id"] for c in agency.get(CHANGES).json()["items"]]

    # ... and the province office sees it pending and publishes it
    province = papi.as_user("vpubnd")
    pending = province.get(f"{PENDING}?state=proposed").json()["items"]
    assert change["id"] in [c["id"] for c in pending]
    published = province.post(f"{PENDING}/{change['id']}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"
    assert published.json()["published_version"] == 2
    assert published.json()["on_time"] is True

    # THEN the catalogue offers version 2 and version 1 stays readable in the history
    v2 = papi.get(f"/api/procedures/{code}").json()
    assert (v2["version"], v2["name"], v2["state"]) == (2, draft["name"], "published")
    assert v2["effective_date"] == change["effective_date"]
    assert v2["published_at"]
    rows = papi.get("/api/procedures?q=" + code).json()["items"]
    assert [r["version"] for r in rows if r["code"] == code] == [2]
    versions = papi.get(f"/api/procedures/{code}/versions").json()["items"]
    assert [(v["version"], v["name"]) for v in versions] == [(1, v1["name"]), (2, draft["name"])]
    still_pending = province.get(f"{PENDING}?state=proposed").json()["items"]
    assert change["id"] not in [c["id"] for c in still_pending]

    # ... the old dossier still reads version 1 (documents, name) and submits without the new one
    citizen = papi.as_user("congdan")
    mine = citizen.get(f"/api/my/dossiers/{old['id']}").json()
    assert mine["procedure_version"] == 1
    assert mine["procedure_name"] == v1["name"]
    assert "anh-chan-dung" not in [d["id"] for d in mine["documents"]]
    attach_required_documents(citizen, f"/api/my/dossiers/{old['id']}", v1)
    submitted = citizen.post(f"/api/my/dossiers/{old['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    accepted = papi.as_user("motcua").post(
        f"/api/desk/dossiers/{old['id']}/accept", FEE_PAID_AT_DESK
    )
    assert accepted.status_code == 200, accepted.text
    assert [s["name"] for s in accepted.json()["steps"]] == [s["name"] for s in v1["steps"]]

    # ... and a new draft takes version 2
    new = _create_draft_dossier(papi, code)
    assert new["http_status"] == 201, new
    assert new["procedure_version"] == 2
    assert "anh-chan-dung" in [d["id"] for d in new["documents"]]

    # ... and the agency's publication is counted for QĐ 766
    counted = _counters("H33.02")
    assert counted["procedures_published"] == 1
    assert counted["procedures_published_on_time_complete"] == 1

    # Publishing the same request again is refused (decided once).
    again = province.post(f"{PENDING}/{change['id']}/publish")
    assert again.status_code == 409, again.text


def test_incomplete_draft_is_refused_with_the_missing_part(papi: ApiClient) -> None:
    code = "2.000488"
    draft = _draft_from(papi.get(f"/api/procedures/{code}").json())
    draft["documents"] = []
    del draft["fees"]
    draft["steps"][1]["agency"] = "H99.99"
    r = _propose(papi.as_user("sotuphap"), kind="amended", procedure_code=code, draft=draft)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "procedure_incomplete"
    assert body["field"] == "documents"
    assert [p["field"] for p in body["problems"]] == ["documents", "fees", "steps.1.agency"]
    assert "thành phần hồ sơ" in body["message"]
    # Allowances beyond the processing time are refused too.
    long = _draft_from(papi.get(f"/api/procedures/{code}").json())
    long["processing_time"] = {"amount": 5, "unit": "working_days"}
    r2 = _propose(papi.as_user("sotuphap"), kind="amended", procedure_code=code, draft=long)
    assert r2.status_code == 422
    assert r2.json()["field"] == "steps"
    # Nothing was recorded.
    assert papi.as_user("sotuphap").get(CHANGES).json()["items"] == []


def test_only_the_lead_agency_may_propose_and_see_its_requests(papi: ApiClient) -> None:
    code = "2.000488"  # led by the Department of Justice (H33.02)
    draft = _draft_from(papi.get(f"/api/procedures/{code}").json())
    other = papi.as_user("sokhdt")  # Department of Planning and Investment (H33.03)
    r = _propose(other, kind="amended", procedure_code=code, draft=draft)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "forbidden_unit"
    # A new procedure must name the proposer's own unit as lead agency.
    new = {**copy.deepcopy(draft), "code": "9.999001"}
    r = _propose(other, kind="new", procedure_code="9.999001", draft=new)
    assert r.status_code == 403
    # The citizen and the desk may not propose at all.
    assert (
        _propose(papi.as_user("congdan"), kind="repealed", procedure_code=code).status_code == 403
    )
    # The Department of Justice's request is not in another agency's list, and agencies cannot
    # use the province office's list or decide.
    mine = _propose(papi.as_user("sotuphap"), kind="amended", procedure_code=code, draft=draft)
    assert mine.status_code == 201, mine.text
    assert other.get(CHANGES).json()["items"] == []
    assert other.get(PENDING).status_code == 403
    assert other.post(f"{PENDING}/{mine.json()['id']}/publish").status_code == 403
    # Unknown request: 404; every POST needs an Idempotency-Key.
    province = papi.as_user("vpubnd")
    assert province.post(f"{PENDING}/nope/publish").status_code == 404
    no_key = province.post(f"{PENDING}/{mine.json()['id']}/publish", idempotency_key=None)
    assert no_key.status_code == 400
    assert no_key.json()["code"] == "missing_idempotency_key"


def test_rejected_change_leaves_the_catalogue_alone(papi: ApiClient) -> None:
    code = "2.001610"
    draft = _draft_from(papi.get(f"/api/procedures/{code}").json())
    draft["name"] = "Tên mới chưa được duyệt"
    leader = papi.as_user("lanhdaokhdt")  # leader of H33.03, the lead agency
    proposed = _propose(leader, kind="amended", procedure_code=code, draft=draft)
    assert proposed.status_code == 201, proposed.text
    cid = proposed.json()["id"]
    province = papi.as_user("vpubnd")
    short = province.post(f"{PENDING}/{cid}/reject", {"reason": "x"})
    assert short.status_code == 400
    assert short.json()["field"] == "reason"
    reason = "Căn cứ pháp lý chưa đúng số quyết định."
    rejected = province.post(f"{PENDING}/{cid}/reject", {"reason": reason})
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["state"], rejected.json()["reason"]) == ("rejected", reason)
    # The agency sees the reason; the catalogue still has version 1; it cannot be published now.
    seen = papi.as_user("sokhdt").get(f"{CHANGES}?state=rejected").json()["items"]
    assert [(c["id"], c["reason"]) for c in seen] == [(cid, reason)]
    assert papi.get(f"/api/procedures/{code}").json()["version"] == 1
    late = province.post(f"{PENDING}/{cid}/publish")
    assert late.status_code == 409
    assert late.json()["code"] == "illegal_transition"
    assert cid in [c["id"] for c in province.get(f"{PENDING}?state=rejected").json()["items"]]
    assert province.get(f"{PENDING}?state=bogus").status_code == 400


def _repeal(papi: ApiClient, code: str, effective: date) -> dict[str, Any]:
    proposed = _propose(
        papi.as_user("lanhdaokhdt"),
        kind="repealed",
        procedure_code=code,
        effective_date=effective.isoformat(),
    )
    assert proposed.status_code == 201, proposed.text
    published = papi.as_user("vpubnd").post(f"{PENDING}/{proposed.json()['id']}/publish")
    assert published.status_code == 200, published.text
    body: dict[str, Any] = published.json()
    return body


def test_repealed_procedure_is_hidden_from_search_but_readable(papi: ApiClient) -> None:
    code = "2.001610"
    # Published after its effective date: counted, but not on time.
    done = _repeal(papi, code, _today_vn() - timedelta(days=3))
    assert (done["published_version"], done["on_time"]) == (2, False)
    detail = papi.get(f"/api/procedures/{code}").json()
    assert (detail["version"], detail["state"], detail["repealed"]) == (2, "repealed", True)
    listed = papi.get("/api/procedures").json()
    assert code not in [r["code"] for r in listed["items"]]
    by_field = papi.get("/api/procedures?field=" + detail["field"]).json()["items"]
    assert code not in [r["code"] for r in by_field]
    states = [v["state"] for v in papi.get(f"/api/procedures/{code}/versions").json()["items"]]
    assert states == ["published", "repealed"]
    counted = _counters("H33.03")
    assert counted["procedures_published"] == 1
    assert "procedures_published_on_time_complete" not in counted
    # A repealed procedure cannot be amended or repealed again.
    again = _propose(papi.as_user("sokhdt"), kind="repealed", procedure_code=code)
    assert again.status_code == 409
    assert again.json()["code"] == "procedure_repealed"


def test_new_draft_for_a_repealed_procedure_is_refused(papi: ApiClient) -> None:
    code = "2.001610"
    _repeal(papi, code, _today_vn() + timedelta(days=1))
    refused = _create_draft_dossier(papi, code)
    assert refused["http_status"] in (409, 422), refused
    assert refused["code"] == "procedure_repealed"
    assert refused["field"] == "procedure_code"
