"""The administrator restarts a dossier's failed workflow from the dossier page, in Chromium
against the live local stack (docs/design.md, "Workflow contract").

GIVEN a one-step dossier of the Department of Planning and Investment (2.001610, sokhdt) whose
agency task failed for good (`send_task_failure`: the state machine's catch path records
`workflow_failed` and alerts the agency) THEN the agency's alerts page shows the row with the
"lỗi quy trình" badge (not a deadline badge) and staff who are not administrators see no restart
form on the dossier page; WHEN the administrator opens `#/agency/<id>`, writes a note and restarts
THEN the page says so, the history has one `workflow_restarted`, the execution `<code>-r1` runs,
and after a reload the form is gone (the latest workflow event is the restart).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.journeys import FEE_PAID_AT_DESK
from tests.support.live import id_token, post, submitted_dossier

pytestmark = [pytest.mark.web]

PROCEDURE = "2.001610"  # one step at H33.03 (sokhdt), desk motcua (H33.50)
STEP = "tham-dinh-cap-gcn"
NOTE = "Hệ thống chuyên ngành đã khắc phục, chạy lại quy trình."
POLL = 0.2  # seconds between looks at the store; every wait below is bounded by a deadline
WAIT = 60.0


def _token(url: str, account: dict[str, Any]) -> str:
    return id_token(url, account["username"], account["password"])


def _accepted_dossier(url: str, accounts: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """What the citizen's wizard and the desk do, through the API: (dossier id, code)."""
    dossier_id = submitted_dossier(url, accounts["congdan"], PROCEDURE, accounts["motcua"]["unit"])
    desk = _token(url, accounts["motcua"])
    accepted = post(url, f"/api/desk/dossiers/{dossier_id}/accept", desk, FEE_PAID_AT_DESK)
    assert accepted.status_code == 200, accepted.text
    return dossier_id, str(accepted.json()["code"])


def _store() -> Any:
    from chalicelib.services.deps import get_deps

    return get_deps().store


def _actions(dossier_id: str) -> list[str]:
    return [e.action for e in _store().history(dossier_id)]


def _open_token(dossier_id: str) -> str:
    """Wait (the background pump delivers the workflow's messages) for the agency's open task."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        task = _store().get_task(dossier_id, STEP)
        if task is not None and task.state == "open" and task.token:
            return str(task.token)
        time.sleep(POLL)
    raise AssertionError(f"the task {STEP} of {dossier_id} never opened with a token")


def _fail_for_good(dossier_id: str, token: str) -> None:
    """The agency task fails for good; wait until the catch path recorded `workflow_failed`."""
    from chalicelib.workflow.executions import Workflow

    Workflow().send_failure(token, "Agency.SystemError", "Hệ thống chuyên ngành từ chối.")
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if "workflow_failed" in _actions(dossier_id):
            return
        time.sleep(POLL)
    raise AssertionError(f"workflow_failed never recorded for {dossier_id}: {_actions(dossier_id)}")


def _sign_in_to(page: Page, route: str, account: dict[str, Any], heading: str) -> None:
    """Open a console route signed out, sign in on the form it sends us to, land back on it."""
    page.goto(f"/#{route}")
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill(account["username"])
    page.get_by_label("Mật khẩu").fill(account["password"])
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()


def _dossier_page_loaded(page: Page, code: str) -> None:
    expect(page.locator("nav.breadcrumb")).to_contain_text(code)
    expect(page.locator("#control-slip")).to_be_visible()


def test_admin_restarts_a_failed_workflow_from_the_dossier_page(
    new_page: Any, stack: Any, accounts: dict[str, dict[str, Any]], shot: Any
) -> None:
    from chalicelib.workflow.executions import Workflow

    # GIVEN a dossier whose only agency task failed for good
    dossier_id, code = _accepted_dossier(stack.url, accounts)
    _fail_for_good(dossier_id, _open_token(dossier_id))
    procedure_name = requests.get(
        f"{stack.url}/api/agency/dossiers/{dossier_id}",
        headers={"Authorization": f"Bearer {_token(stack.url, accounts['quantri'])}"},
        timeout=15,
    ).json()["procedure_name"]
    workflow = Workflow()
    assert workflow.describe(workflow.arn(code))["status"] == "FAILED"

    # THEN the agency's alerts page shows the failure badge on the dossier's row
    agency = new_page()
    _sign_in_to(agency, "/alerts", accounts["sokhdt"], "Cảnh báo hạn xử lý")
    row = agency.locator("#alerts-table tbody tr").filter(
        has=agency.locator(f'a[href^="#/agency/{dossier_id}"]')
    )
    expect(row).to_have_count(1)
    badge = row.locator(".badge")
    expect(badge).to_have_text("lỗi quy trình")
    expect(badge).to_have_attribute("data-kind", "workflow_failed")
    expect(row).not_to_contain_text("sắp đến hạn")
    expect(row).to_have_class("is-late")
    shot(agency, "restart-01-agency-alert")

    # AND staff who are not administrators see no restart form on the dossier page
    row.get_by_role("link", name=code).click()
    _dossier_page_loaded(agency, code)
    expect(agency.locator("#restart-form-open")).to_have_count(0)
    expect(agency.locator("#restart-form")).to_have_count(0)
    leader = new_page()
    _sign_in_to(leader, f"/agency/{dossier_id}", accounts["lanhdaosokhdt"], procedure_name)
    _dossier_page_loaded(leader, code)
    expect(leader.locator("#restart-form-open")).to_have_count(0)
    expect(leader.locator("#restart-form")).to_have_count(0)

    # WHEN the administrator opens the dossier page and restarts the workflow with a note
    admin = new_page()
    _sign_in_to(admin, f"/agency/{dossier_id}", accounts["quantri"], procedure_name)
    _dossier_page_loaded(admin, code)
    opener = admin.get_by_role("button", name="Khởi động lại quy trình", exact=True)
    expect(opener).to_be_visible()
    form = admin.locator("#restart-form")
    expect(form).to_be_hidden()
    shot(admin, "restart-02-admin-form")
    opener.click()
    expect(form).to_be_visible()
    form.locator('textarea[name="note"]').fill(NOTE)
    form.get_by_role("button", name="Khởi động lại", exact=True).click()

    # THEN the page says so, the history has one restart and the execution <code>-r1 exists
    expect(admin.locator("#notices")).to_contain_text(
        f"Đã khởi động lại quy trình xử lý hồ sơ {code}."
    )
    _dossier_page_loaded(admin, code)  # the page loads the dossier again: no form now
    expect(admin.locator("#restart-form")).to_have_count(0)
    shot(admin, "restart-03-admin-restarted")
    actions = _actions(dossier_id)
    assert actions.count("workflow_restarted") == 1, actions
    event = next(e for e in _store().history(dossier_id) if e.action == "workflow_restarted")
    assert (event.actor, event.note) == ("quantri", NOTE)
    restarted = workflow.describe(workflow.arn(code, "-r1"))
    assert restarted["name"] == f"{code}-r1"
    assert restarted["status"] in ("RUNNING", "SUCCEEDED"), restarted["status"]

    # AND after a reload the form is gone: the latest workflow event is the restart
    admin.reload()
    _dossier_page_loaded(admin, code)
    expect(admin.locator("#restart-form-open")).to_have_count(0)
    expect(admin.locator("#restart-form")).to_have_count(0)
