"""The log-grep test: a full lifecycle of the demo citizen prints neither their ID number nor their
phone, in any spelling, in any logger's output (ours masked as JSON on stdout, every other logger
captured at DEBUG, the raw records' messages and extra fields included)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.client import ApiClient, deliver_workflow
from tests.support.journeys import FEE_PAID_AT_DESK, attach_required_documents, return_when_ready
from tests.support.samples import FORM_EXAMPLES

pytestmark = pytest.mark.integration

ID_NUMBER = "093090001234"
PHONE = "+84912345678"
# Digits-only and formatted spellings a log line could carry.
FORBIDDEN = (
    ID_NUMBER,
    "093 090 001 234",
    "093.090.001.234",
    "0930 9000 1234",
    PHONE,
    "0912345678",
    "912345678",
    "+84 912 345 678",
    "0912 345 678",
    "0912.345.678",
    "1990-05-14",  # the owner's date of birth in the e-form
)
# Loggers that print wire traffic of the test harness itself (moto's in-process server and the
# HTTP client talking to it), not the application's logs.
HARNESS = ("botocore", "boto3", "urllib3", "moto", "s3transfer", "werkzeug", "requests")


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of every logger at DEBUG, including "tthc" (which does not propagate)."""
    caplog.set_level(logging.DEBUG)
    ours = logging.getLogger("tthc")
    old_level = ours.level
    ours.addHandler(caplog.handler)
    ours.setLevel(logging.DEBUG)
    try:
        yield caplog
    finally:
        ours.removeHandler(caplog.handler)
        ours.setLevel(old_level)


def _record_text(rec: logging.LogRecord) -> str:
    """A record's message and every extra attribute (what a JSON formatter would print)."""
    parts = [rec.getMessage()]
    for key, value in rec.__dict__.items():
        if key not in ("msg", "args", "message", "exc_info", "stack_info"):
            parts.append(f"{key}={value!r}")
    if rec.exc_info and rec.exc_info[1] is not None:
        parts.append(repr(rec.exc_info[1]))
    return " ".join(parts)


def _found(text: str) -> list[str]:
    hits = [v for v in FORBIDDEN if v in text]
    # also the bare digits with any separators between them
    spaced = re.compile(r"0\D?9\D?3\D?0\D?9\D?0\D?0\D?0\D?1\D?2\D?3\D?4")
    if spaced.search(text):
        hits.append("ID with separators")
    return hits


def _lifecycle(api: ApiClient, cloud: Any) -> str:
    """Submit, accept, approve, return: the demo citizen's dossier from draft to hand-over."""
    citizen = api.as_user("congdan")
    proc = api.get("/api/procedures/2.001610").json()
    form = {**FORM_EXAMPLES["2.001610"]}
    draft = citizen.post(
        "/api/my/dossiers",
        {
            "procedure_code": "2.001610",
            "applicant": {
                "name": "Nguyễn Văn An",
                "id_number": ID_NUMBER,
                "address": "Số 25 đường 3 Tháng 2, Phường V, thành phố Vị Thanh",
                "phone": "+84 912 345 678",
                "email": "nguyenvanan@example.com",
            },
            "form_data": form,
        },
    )
    assert draft.status_code == 201, draft.text
    did = draft.json()["id"]
    attach_required_documents(citizen, f"/api/my/dossiers/{did}", proc)
    assert citizen.post(f"/api/my/dossiers/{did}/submit").status_code == 200
    # an input error echoing a phone, and a citizen reading their own data
    citizen.post(
        "/api/my/dossiers",
        {"procedure_code": "2.001610", "applicant": {"name": "A", "phone": f"x{PHONE}"}},
    )
    assert citizen.get("/api/me").status_code == 200
    desk = api.as_user("motcua")
    assert desk.post(f"/api/desk/dossiers/{did}/accept", FEE_PAID_AT_DESK).status_code == 200
    assert desk.get(f"/api/desk/dossiers/{did}").status_code == 200
    agency = api.as_user("sokhdt")
    task = None
    for _ in range(80):
        deliver_workflow(api, cloud)
        tasks = [
            t for t in agency.get("/api/agency/tasks").json()["items"] if t["dossier_id"] == did
        ]
        if tasks:
            task = tasks[0]
            break
    assert task is not None
    assert agency.get(f"/api/agency/dossiers/{did}").status_code == 200
    done = agency.post(
        f"/api/agency/dossiers/{did}/steps/{task['step_id']}/complete", {"outcome": "approve"}
    )
    assert done.status_code == 200, done.text
    # the staff search by ID number and the citizen's tracker
    assert desk.post("/api/staff/search/id-number", {"id_number": ID_NUMBER}).status_code == 200
    assert citizen.get("/api/my/access-log").status_code == 200
    returned = return_when_ready(
        api,
        cloud,
        did,
        body={
            "channel": "desk",
            "recipient_name": "Nguyễn Văn An",
            "recipient_id_number": ID_NUMBER,
        },
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"]["code"] == 10
    return did


def test_a_full_lifecycle_logs_no_id_number_or_phone(
    api: ApiClient,
    cloud: Any,
    everything_logged: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _lifecycle(api, cloud)
    printed = capsys.readouterr()
    stdout = printed.out + printed.err
    # Our JSON logger printed the requests (so the capture really saw the logs)...
    assert '"route":"/api/desk/dossiers/{dossier_id}/return"' in stdout
    assert '"route":"/api/staff/search/id-number"' in stdout
    # ...and nothing personal, in any spelling
    assert _found(stdout) == []
    ours = [r for r in everything_logged.records if not r.name.startswith(HARNESS)]
    assert any(r.name.startswith("tthc") for r in ours)
    leaks = [(r.name, hit) for r in ours for hit in _found(_record_text(r))]
    assert leaks == []
