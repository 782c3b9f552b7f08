"""On-demand and scheduled semiannual reports through the API, stored in S3, e-mailed by SES.

Scenario (as tests/integration/test_report.py): at H33.03 two online dossiers processed on time
(one result returned) and one refused this half year.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.client import ApiClient
from tests.support.reports import current_half, report_scenario

pytestmark = pytest.mark.integration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = {"Accept": "application/pdf"}


def _row(ws: Any, name: str) -> list[Any]:
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[1] == name:
            return list(row)
    raise AssertionError(name)


def test_on_demand_report_is_stored_in_s3_and_downloads_as_xlsx_and_pdf(
    api: ApiClient, cloud: Any
) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from chalicelib import aws
    from chalicelib.documents.report_xlsx import OPERATION_SHEET
    from chalicelib.services.deps import get_deps

    report_scenario(api, cloud)
    province = api.as_user("vanphong")

    r = province.post("/api/reports", {"period": current_half()})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["received"] == 2 and made["processed"] == 2 and made["agency"] is None
    assert set(made["downloads"]) == {"report.xlsx", "report.pdf"}

    # both objects are in the reports bucket under the period
    bucket = get_deps().settings.reports_bucket
    keys = {
        o["Key"]
        for o in aws.client("s3").list_objects_v2(Bucket=bucket, Prefix="reports/")["Contents"]
    }
    assert any(k.endswith(f"{made['id']}/report.xlsx") for k in keys)
    assert any(k.endswith(f"{made['id']}/report.pdf") for k in keys)

    xlsx = province.get(made["downloads"]["report.xlsx"], headers={"Accept": XLSX})
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(xlsx.body))
    names = {u.code: u.name for u in get_deps().store.list_units()}
    row = _row(wb[OPERATION_SHEET], names["H33.03"])
    assert row[3] == 2  # received online

    pdf = province.get(made["downloads"]["report.pdf"], headers=PDF)
    assert pdf.status_code == 200 and pdf.body.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body)).pages)
    assert "BÁO CÁO" in text

    link = province.get(made["downloads"]["report.pdf"] + "?link=1")
    assert link.status_code == 200 and "Signature=" in link.json()["url"]

    listed = province.get("/api/reports").json()["items"]
    assert [i["id"] for i in listed] == [made["id"]]

    # a custom range works too
    month = datetime.now(UTC).strftime("%Y-%m")
    r2 = api.as_user("quantri").post("/api/reports", {"from": month, "to": month})
    assert r2.status_code == 201, r2.text
    assert r2.json()["months"] == [month]


def test_report_scoping_leader_own_agency_only_and_citizen_refused(
    api: ApiClient, cloud: Any
) -> None:
    leader = api.as_user("lanhdaosokhdt")
    own = leader.post("/api/reports", {"period": current_half()})
    assert own.status_code == 201, own.text
    assert own.json()["agency"] == "H33.03"
    other = leader.post("/api/reports", {"period": current_half(), "agency": "H33.05"})
    assert other.status_code == 403, other.text

    province = api.as_user("vanphong")
    whole = province.post("/api/reports", {"period": current_half()}).json()
    # the leader lists and downloads only their agency's reports
    listed = leader.get("/api/reports").json()["items"]
    assert [i["id"] for i in listed] == [own.json()["id"]]
    assert leader.get(whole["downloads"]["report.pdf"], headers=PDF).status_code == 404
    assert leader.get(own.json()["downloads"]["report.pdf"], headers=PDF).status_code == 200

    assert api.as_user("congdan").post("/api/reports", {"period": "2026-H2"}).status_code == 403
    assert api.as_user("congdan").get("/api/reports").status_code == 403
    assert api.anonymous().get("/api/reports").status_code == 401
    bad = province.post("/api/reports", {"period": "2026-H3"})
    assert bad.status_code == 400 and bad.json()["field"] == "period"


def test_schedule_builds_on_the_report_day_and_emails_the_province_office(
    api: ApiClient, cloud: Any
) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from chalicelib.services.deps import get_deps
    from chalicelib.services.reporting.report import get_report, run_scheduled_report

    deps = get_deps()
    # not the report day: nothing
    assert run_scheduled_report(deps, "2026-06-19T01:00:00Z") is None
    assert run_scheduled_report(deps, "2026-07-20T01:00:00Z") is None

    # 20/6 08:00 Vietnam time: the first half year, stored and e-mailed once
    stored = run_scheduled_report(deps, "2026-06-20T01:00:00Z")
    assert stored is not None and stored.period == "2026-H1" and stored.trigger == "schedule"
    assert stored.emailed_to == ["vanphong@haugiang.example.com"]
    backend = ses_backends[DEFAULT_ACCOUNT_ID][deps.settings.region]
    sent = backend.sent_messages
    assert len(sent) == 1
    raw = sent[0].raw_data
    assert "vanphong@haugiang.example.com" in sent[0].destinations
    assert "bao-cao-2026-h1-dinh-ky-report.xlsx" in raw and "report.pdf" in raw

    # a retried schedule neither rebuilds nor re-sends
    again = run_scheduled_report(deps, "2026-06-20T01:00:00Z")
    assert again is not None and again.id == stored.id
    assert len(backend.sent_messages) == 1
    assert get_report(deps, stored.id) is not None

    # the November run reports the second half
    nov = run_scheduled_report(deps, "2026-11-20T01:00:00Z")
    assert nov is not None and nov.period == "2026-H2"
    assert len(backend.sent_messages) == 2
