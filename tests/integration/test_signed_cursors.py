"""Page cursors through the API are signed and bound to their list (chalicelib.store.cursor):
a real list pages to its end with nothing twice, and an edited cursor, a crafted one, or one
taken from another list or another caller's list is 400 `invalid_cursor` in Vietnamese."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.client import ApiClient, Reply
from tests.support.journeys import submit_online

pytestmark = pytest.mark.integration


def _refused(r: Reply) -> None:
    assert r.status_code == 400, r.text
    err: dict[str, Any] = r.json()
    assert (err["code"], err["field"]) == ("invalid_cursor", "cursor"), err
    assert "không hợp lệ" in err["message"] and err["message"] != err["message_en"], err


def _get(client: ApiClient, path: str, cursor: str) -> Reply:
    sep = "&" if "?" in path else "?"
    return client.get(f"{path}{sep}limit=2&cursor={quote(cursor, safe='')}")


def test_the_units_list_pages_to_its_end_and_refuses_foreign_cursors(api: ApiClient) -> None:
    from chalicelib.services.deps import get_deps

    admin = api.as_user("quantri")
    codes: list[str] = []
    cursor: str | None = None
    first: str | None = None
    for _ in range(100):
        r = admin.get("/api/admin/units?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 2
        codes += [u["code"] for u in body["items"]]
        cursor = body["next"]
        first = first or cursor
        if cursor is None:
            break
    assert first is not None  # more than one page
    assert len(codes) == len(set(codes))
    assert set(codes) == {u.code for u in get_deps().store.list_units()}

    # the cursor works where it came from, once more (cursors are not one-shot)
    assert _get(admin, "/api/admin/units", first).status_code == 200
    # ... and nowhere else: another partition of the same table, another index, another list
    _refused(_get(admin, "/api/admin/procedures", first))
    _refused(_get(admin, "/api/admin/units?parent=H33", first))
    _refused(_get(admin, "/api/admin/users", first))
    # an edited payload or tag, a crafted unsigned key, garbage
    payload, tag = first.split(".")
    flipped = ("B" if payload[0] == "A" else "A") + payload[1:]
    _refused(_get(admin, "/api/admin/units", f"{flipped}.{tag}"))
    _refused(_get(admin, "/api/admin/units", f"{payload}.{tag[::-1]}"))
    crafted = {"PK": {"S": "UNITS"}, "SK": {"S": "UNIT#H33"}}
    raw = base64.urlsafe_b64encode(json.dumps(crafted).encode()).decode()
    _refused(_get(admin, "/api/admin/units", raw))
    _refused(_get(admin, "/api/admin/units", "not-a-cursor"))
    # a bad page size names the field and the range
    bad = admin.get("/api/admin/units?limit=101")
    assert bad.status_code == 400 and bad.json()["field"] == "limit"
    assert "1 đến 100" in bad.json()["message"]


def test_a_citizens_cursor_is_refused_on_another_citizens_list(api: ApiClient) -> None:
    for _ in range(3):
        submit_online(api, "2.001610")  # congdan's dossiers
    mine = api.as_user("congdan").get("/api/my/dossiers?limit=1")
    assert mine.status_code == 200, mine.text
    cursor = mine.json()["next"]
    assert cursor
    assert _get(api.as_user("congdan"), "/api/my/dossiers", cursor).status_code == 200
    _refused(_get(api.as_user("congdan2"), "/api/my/dossiers", cursor))
