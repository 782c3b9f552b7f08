"""The citizen's data tracker: exactly the staff accesses that happened, refused ones included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.client import ApiClient
from tests.support.journeys import FEE_PAID_AT_DESK, submit_online, wait_for_task

pytestmark = pytest.mark.integration

READS = {"read", "receipt", "result_download", "refused", "search"}


@pytest.fixture
def key_api(api: ApiClient) -> Iterator[ApiClient]:
    """The app with the agency API (SigV4) mounted, as test_agency_api does."""
    from app import app
    from chalicelib.api.routes import agency_api as routes_agency_api
    from chalicelib.services.admin.agency_keys import set_agency_keys

    routes_agency_api.install(app)
    set_agency_keys(None)
    routes_agency_api.set_verifier(None)
    yield api
    routes_agency_api.set_verifier(None)
    set_agency_keys(None)


def _names(demo_accounts: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {u: a["name"] for u, a in demo_accounts.items()}


def _all_pages(client: ApiClient, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(50):
        path = f"/api/my/access-log?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = client.get(path)
        assert r.status_code == 200, r.text
        body = r.json()
        items.extend(body["items"])
        cursor = body["next"]
        if not cursor:
            return items
    raise AssertionError("paging did not end")


def test_tracker_shows_exactly_the_accesses_that_happened(
    api: ApiClient, cloud: Any, demo_accounts: dict[str, dict[str, Any]]
) -> None:
    names = _names(demo_accounts)
    # GIVEN a citizen's dossier, accepted by the desk (an edit) and handed to the agency
    dossier = submit_online(api, "2.001610")
    did = dossier["id"]
    citizen = api.as_user("congdan")
    assert citizen.get("/api/my/access-log").json()["items"] == []  # nobody yet
    desk = api.as_user("motcua")
    assert desk.post(f"/api/desk/dossiers/{did}/accept", FEE_PAID_AT_DESK).status_code == 200
    code = desk.get(f"/api/desk/dossiers/{did}").json()["code"]  # 1. a desk read
    receipt = desk.get(f"/api/desk/dossiers/{did}/receipt.pdf", {"Accept": "application/pdf"})
    assert receipt.status_code == 200  # 2. the receipt downloaded
    wait_for_task(api, cloud, "sokhdt", did)
    assert api.as_user("sokhdt").get(f"/api/agency/dossiers/{did}").status_code == 200  # 3.
    # AND another agency, with no step on it, tries to open it: refused (404, existence hidden)
    refused = api.as_user("sotuphap").get(f"/api/agency/dossiers/{did}")
    assert refused.status_code == 404
    # AND the citizen's own reads are not "accesses"
    assert citizen.get(f"/api/my/dossiers/{did}").status_code == 200

    # WHEN the citizen opens the tracker (in pages of 2)
    entries = _all_pages(citizen, limit=2)

    # THEN the reads are exactly those four, newest first, with name, agency and role
    reads = [
        (e["what"], e["who"]["name"], e["who"]["agency"]) for e in entries if e["what"] in READS
    ]
    assert reads == [
        ("refused", names["sotuphap"], "H33.02"),
        ("read", names["sokhdt"], "H33.03"),
        ("receipt", names["motcua"], "H33.50"),
        ("read", names["motcua"], "H33.50"),
    ]
    assert all(e["dossier_code"] == code and e["dossier_id"] == did for e in entries)
    assert [e["refused"] for e in entries if e["what"] == "refused"] == [True]
    assert {e["who"]["role"] for e in entries if e["what"] in READS} == {"desk", "agency"}
    assert next(e for e in entries if e["what"] == "refused")["who"]["agency_name"]
    # AND the edits are the staff's own actions on the dossier (the desk's acceptance)
    edits = [(e["action"], e["who"]["name"]) for e in entries if e["what"] == "edit"]
    assert ("received", names["motcua"]) in edits
    assert all(n != "system" for _, n in edits)
    # AND times are in order, newest first, and one page equals the concatenation of small ones
    ats = [e["at"] for e in entries]
    assert ats == sorted(ats, reverse=True)
    assert _all_pages(citizen, limit=100) == entries

    # AND the refused attempt is in the dossier's audit chain, which still verifies
    admin = api.as_user("quantri")
    audit = admin.get(f"/api/admin/audit/dossiers/{did}").json()["items"]
    refusals = [ev for ev in audit if ev["action"] == "read_refused"]
    assert [(ev["actor"], ev["actor_unit"]) for ev in refusals] == [("sotuphap", "H33.02")]
    assert admin.get(f"/api/admin/audit/dossiers/{did}/verify").json()["ok"] is True


def test_a_citizen_sees_only_their_own_entries(api: ApiClient) -> None:
    # GIVEN congdan's dossier read by the desk
    did = submit_online(api, "2.001610")["id"]
    assert api.as_user("motcua").get(f"/api/desk/dossiers/{did}").status_code == 200
    # WHEN another citizen opens their tracker, THEN nothing of congdan's shows
    other = api.as_user("congdan2").get("/api/my/access-log")
    assert other.status_code == 200 and other.json()["items"] == []
    # AND a crafted cursor naming congdan's stream is refused (cursors are signed)
    import base64
    import json

    forged = base64.urlsafe_b64encode(json.dumps({"p": {f"DOSSIER#{did}": 999}}).encode()).decode()
    again = api.as_user("congdan2").get(f"/api/my/access-log?cursor={forged.rstrip('=')}")
    assert again.status_code == 400 and again.json()["code"] == "invalid_cursor"
    # AND the owner does see it; staff cannot use the tracker
    mine = api.as_user("congdan").get("/api/my/access-log").json()["items"]
    assert [e["what"] for e in mine] == ["read"]
    assert api.as_user("motcua").get("/api/my/access-log").status_code == 403
    assert api.as_user("congdan").get("/api/my/access-log?cursor=%%%").status_code == 400


def test_refused_reads_are_only_recorded_for_staff_and_existing_dossiers(api: ApiClient) -> None:
    did = submit_online(api, "2.001610")["id"]
    # A citizen probing someone else's dossier: 404, and nothing is recorded
    assert api.as_user("congdan2").get(f"/api/my/dossiers/{did}").status_code == 404
    # Staff probing a dossier that does not exist: 404, nothing to record anywhere
    assert api.as_user("sotuphap").get("/api/agency/dossiers/nope").status_code == 404
    admin = api.as_user("quantri")
    audit = admin.get(f"/api/admin/audit/dossiers/{did}").json()["items"]
    assert not [ev for ev in audit if ev["action"] == "read_refused"]


def test_agency_system_reads_show_as_the_agency_system(key_api: ApiClient, cloud: Any) -> None:
    from tests.support.journeys import waiting_dossier
    from tests.support.signing import new_key, signed_call

    api = key_api
    # GIVEN a dossier handed to H33.03, and API keys of H33.03 and of an unrelated agency
    dossier = waiting_dossier(api, cloud)
    did = dossier["id"]
    admin = api.as_user("quantri")
    own, other = new_key(admin, "H33.03"), new_key(admin, "H33.02")
    # WHEN the agency's system reads it and the other agency's system tries to
    assert signed_call(api, own, "GET", f"/api/agency-api/dossiers/{did}")[0].status_code == 200
    assert signed_call(api, other, "GET", f"/api/agency-api/dossiers/{did}")[0].status_code == 404
    # THEN the owner sees both, as the agencies' systems, the second one refused
    entries = api.as_user("congdan").get("/api/my/access-log").json()["items"]
    systems = [
        (e["what"], e["who"]["agency"], e["who"]["via"])
        for e in entries
        if e["who"]["via"] == "agency_api"
    ]
    assert systems == [("refused", "H33.02", "agency_api"), ("read", "H33.03", "agency_api")]
    assert all(own["access_key_id"] not in json_text(e) for e in entries)


def json_text(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
