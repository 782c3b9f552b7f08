"""Personal data never reaches the logs: a lifecycle prints no raw ID number or phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import ApiClient, deliver_workflow
from tests.support.journeys import FEE_PAID_AT_DESK, submit_online

pytestmark = pytest.mark.integration

ID_NUMBER = "093090001234"
PHONE = "0901234567"


def test_lifecycle_logs_hold_no_id_number_or_phone(
    api: ApiClient, cloud: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a dossier whose applicant data carries an ID number and a phone (see submit_online)
    dossier = submit_online(api, "2.001610")
    desk = api.as_user("motcua")
    desk.post(f"/api/desk/dossiers/{dossier['id']}/accept", FEE_PAID_AT_DESK)
    agency = api.as_user("sokhdt")
    tasks: list[dict[str, Any]] = []
    for _ in range(50):
        deliver_workflow(api, cloud)
        tasks = agency.get("/api/agency/tasks").json()["items"]
        if tasks:
            break
    agency.post(
        f"/api/agency/dossiers/{dossier['id']}/steps/{tasks[0]['step_id']}/complete",
        {"outcome": "approve"},
    )
    # AND a rejected request that echoes the phone back in a validation error
    api.as_user("congdan").post(
        "/api/my/dossiers",
        {"procedure_code": "2.001610", "applicant": {"name": "A", "phone": f"x{PHONE}"}},
    )
    # WHEN we read everything the app printed
    out = capfd.readouterr()
    logs = out.out + out.err
    # THEN the request lines were captured, and neither the ID number nor the phone is in them
    assert '"route":"/api/desk/dossiers/{dossier_id}/accept"' in logs
    assert ID_NUMBER not in logs
    assert PHONE not in logs
