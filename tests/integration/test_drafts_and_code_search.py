"""Drafts a citizen can edit and discard; dossiers staff find by the receipt's code (issue 25).

Through the real app on in-process moto: `POST|DELETE /api/my/dossiers/{id}` (own unsubmitted
draft only; its files go with it), `POST /api/desk/dossiers/{id}` (a walk-in paper draft), and
`GET /api/staff/dossiers/by-code/{code}` (trimmed, any case, only in the caller's scope).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import ApiClient, upload_file
from tests.support.journeys import FEE_PAID_AT_DESK, draft_online, submit_online
from tests.support.samples import FORM_EXAMPLES, sample_file

pytestmark = pytest.mark.integration

PROC = "2.001610"  # full online, lead agency H33.03, filed at the provincial desk H33.50


def _objects(prefix: str) -> list[str]:
    """Every object version (and delete marker) under `prefix` in the attachments bucket."""
    from chalicelib.services.deps import get_deps

    files = get_deps().files
    resp = files.client.list_object_versions(Bucket=files.bucket, Prefix=prefix)
    return [v["Key"] for v in [*resp.get("Versions", []), *resp.get("DeleteMarkers", [])]]


def _edit(d: dict[str, Any], **applicant: str) -> dict[str, Any]:
    return {
        "procedure_code": d["procedure_code"],
        "applicant": {**d["applicant"], **applicant},
        "form_data": d["form_data"],
        "receiving_unit": d["receiving_unit"],
    }


def test_a_citizen_deletes_only_their_own_unsubmitted_draft_with_its_files(
    api: ApiClient,
) -> None:
    # GIVEN congdan's draft with its papers uploaded, and a submitted dossier of theirs
    citizen, stranger = api.as_user("congdan"), api.as_user("congdan2")
    draft = draft_online(api, PROC)
    prefix = f"dossiers/{draft['id']}/"
    assert _objects(prefix), "the papers were stored"
    submitted = submit_online(api, PROC)

    # WHEN another citizen, or the desk, tries to delete it THEN 404 / 403, and it is still there
    other = stranger.delete(f"/api/my/dossiers/{draft['id']}")
    never = stranger.delete("/api/my/dossiers/00000000-0000-4000-8000-000000000000")
    assert other.status_code == 404, other.text
    assert (other.status_code, other.body) == (never.status_code, never.body)
    assert api.as_user("motcua").delete(f"/api/my/dossiers/{draft['id']}").status_code == 403
    assert citizen.get(f"/api/my/dossiers/{draft['id']}").status_code == 200

    # AND a submitted dossier cannot be deleted (only withdrawn): 409, nothing lost
    refused = citizen.delete(f"/api/my/dossiers/{submitted['id']}")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "not_a_draft"
    assert refused.json()["message"].startswith("Hồ sơ đã nộp")
    assert citizen.get(f"/api/my/dossiers/{submitted['id']}").json()["status"]["code"] == 1

    # WHEN the owner deletes the draft THEN it is gone: 404, out of the list, no file version left
    gone = citizen.delete(f"/api/my/dossiers/{draft['id']}")
    assert gone.status_code == 200, gone.text
    assert gone.json()["deleted"] is True and gone.json()["object_versions"] >= 1
    assert citizen.get(f"/api/my/dossiers/{draft['id']}").status_code == 404
    listed = [d["id"] for d in citizen.get("/api/my/dossiers").json()["items"]]
    assert draft["id"] not in listed and submitted["id"] in listed
    assert _objects(prefix) == []
    assert citizen.delete(f"/api/my/dossiers/{draft['id']}").status_code == 404


def test_an_upload_that_lands_after_its_draft_was_deleted_is_erased(api: ApiClient) -> None:
    from chalicelib.services.deps import get_deps
    from chalicelib.services.dossier.dossiers import finalize_by_key

    # GIVEN an upload slot taken, then the draft deleted before the file arrives
    citizen = api.as_user("congdan")
    draft = draft_online(api, PROC)
    content, ctype, ext = sample_file(["application/pdf"])
    slot = citizen.post(
        f"/api/my/dossiers/{draft['id']}/uploads",
        {"document_id": draft["documents"][0]["id"], "filename": f"muon.{ext}",
         "content_type": ctype, "size": len(content)},
    )  # fmt: skip
    assert slot.status_code == 201, slot.text
    assert citizen.delete(f"/api/my/dossiers/{draft['id']}").status_code == 200
    # WHEN it lands and S3's event reaches the checker THEN the orphan is erased
    upload_file(slot.json(), content, ctype)
    key = slot.json()["attachment"]["key"]
    assert key in _objects(key)
    assert finalize_by_key(get_deps(), key) is None
    assert _objects(key) == []


def test_step_one_of_a_draft_can_be_saved_again_by_its_owner_only(api: ApiClient) -> None:
    citizen = api.as_user("congdan")
    draft = draft_online(api, PROC)
    path = f"/api/my/dossiers/{draft['id']}"

    # WHEN the owner goes back to step 1 and changes the phone THEN it is saved, papers kept
    saved = citizen.post(path, _edit(draft, phone="0987 654 321"))
    assert saved.status_code == 200, saved.text
    after = citizen.get(path).json()
    assert after["applicant"]["phone"] == "0987 654 321"
    assert after["status"]["code"] == 0
    assert after["attachments"] and {a["state"] for a in after["attachments"]} == {"accepted"}

    # AND a bad e-form is a 400 naming the field, and nothing changes
    bad = citizen.post(path, {**_edit(draft), "form_data": {}})
    assert bad.status_code == 400 and bad.json()["field"].startswith("form_data"), bad.text
    moved = citizen.post(path, {**_edit(draft), "procedure_code": "2.000720"})
    assert moved.status_code == 400 and moved.json()["field"] == "procedure_code"
    assert citizen.get(path).json()["applicant"]["phone"] == "0987 654 321"

    # AND another citizen's answer is 404; a submitted dossier's is 409
    assert api.as_user("congdan2").post(path, _edit(draft)).status_code == 404
    assert citizen.post(f"{path}/submit").status_code == 200
    late = citizen.post(path, _edit(draft, phone="0911 000 000"))
    assert late.status_code == 409 and late.json()["code"] == "not_a_draft", late.text


def test_the_desk_edits_its_walk_in_paper_draft_but_not_a_citizens(api: ApiClient) -> None:
    desk = api.as_user("motcua")
    created = desk.post(
        "/api/desk/dossiers",
        {"procedure_code": "2.000908", "form_data": FORM_EXAMPLES["2.000908"],
         "applicant": {"name": "Lê Thị Hoa", "id_number": "093195004567"}},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    d = created.json()
    edited = desk.post(f"/api/desk/dossiers/{d['id']}", _edit(d, address="Ấp 3, xã Vị Tân"))
    assert edited.status_code == 200, edited.text
    assert edited.json()["applicant"]["address"] == "Ấp 3, xã Vị Tân"
    assert edited.json()["receiving_unit"] == "H33.50" and edited.json()["channel"] == 1
    # another desk's clerk, and a citizen's online draft: 404
    assert (
        api.as_user("motcuavithanh").post(f"/api/desk/dossiers/{d['id']}", _edit(d)).status_code
        == 404
    )
    online = draft_online(api, PROC)
    assert desk.post(f"/api/desk/dossiers/{online['id']}", _edit(online)).status_code == 404


def test_staff_find_a_received_dossier_by_its_code_in_any_case_within_their_scope(
    api: ApiClient,
) -> None:
    # GIVEN a dossier received at the provincial desk H33.50 (any status after receipt)
    d = submit_online(api, PROC)
    desk = api.as_user("motcua")
    accepted = desk.post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
    assert accepted.status_code == 200, accepted.text
    code = accepted.json()["code"]
    typed = f"  {code.lower()} "

    # WHEN its desk types the code in lower case with spaces THEN it finds that dossier
    found = desk.get(f"/api/staff/dossiers/by-code/{typed}")
    assert found.status_code == 200, found.text
    assert found.json()["id"] == d["id"] and found.json()["code"] == code
    assert found.json()["status"]["code"] in (2, 4)
    # AND the administrator and the lead agency find it too
    for who in ("quantri", "sokhdt"):
        assert (
            api.as_user(who).get(f"/api/staff/dossiers/by-code/{code.lower()}").status_code == 200
        )

    # WHEN another unit's desk (or another agency) asks THEN it is a code never issued
    never = code[:-4] + "9999"
    for who in ("motcuavithanh", "ubndvithanh"):
        other = api.as_user(who).get(f"/api/staff/dossiers/by-code/{code}")
        missing = api.as_user(who).get(f"/api/staff/dossiers/by-code/{never}")
        assert other.status_code == 404, (who, other.text)
        assert (other.status_code, other.body) == (missing.status_code, missing.body)
    assert api.as_user("congdan").get(f"/api/staff/dossiers/by-code/{code}").status_code == 403

    # AND the public lookup accepts the lower-case code as well
    public = api.anonymous().get(f"/api/lookup/{code.lower()}")
    assert public.status_code == 200, public.text
    assert public.json()["code"] == code
    from chalicelib.services.deps import get_deps

    token = get_deps().store.get_dossier(d["id"]).lookup_token  # the receipt's QR token
    qr = api.anonymous().get(
        f"/api/lookup/{code.lower()}/qr.png?token={token}", {"Accept": "image/png"}
    )
    assert qr.status_code == 200 and qr.body.startswith(b"\x89PNG"), qr.text[:200]


def test_a_refused_code_search_is_in_the_owners_data_tracker(api: ApiClient) -> None:
    d = submit_online(api, PROC)
    code = (
        api.as_user("motcua")
        .post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
        .json()["code"]
    )
    assert (
        api.as_user("motcuavithanh").get(f"/api/staff/dossiers/by-code/{code}").status_code == 404
    )
    log = api.as_user("congdan").get("/api/my/access-log").json()["items"]
    refused = [e for e in log if e["refused"]]
    assert refused and refused[0]["what"] == "refused", log
