"""Online payment end to end: a fee owed at receipt (status 6), the citizen pays through VNPay (the
simulator's signed answers), the IPN confirms once and processing resumes in the real workflow."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.integrations import vnpay, vnpay_sim
from tests.support.client import ApiClient, deliver_workflow
from tests.support.journeys import submit_online

pytestmark = pytest.mark.integration

BUSINESS = "2.001610"  # one step @H33.03, fee 100 000 đ, desk motcua


@pytest.fixture
def paying(api: ApiClient) -> Iterator[ApiClient]:
    from chalicelib.services.deps import any_deps, get_deps, set_deps

    settings = get_deps().settings.model_copy(update={"vnpay_simulator": True})
    set_deps(any_deps(settings=settings))
    yield api


def _awaiting_fee(api: ApiClient) -> dict[str, Any]:
    d = submit_online(api, BUSINESS)
    r = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/accept", {"fee_collected": False})
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 6
    body: dict[str, Any] = r.json()
    return body


def _request_params(pay_url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(pay_url).query))


def _secret() -> str:
    from chalicelib.services.deps import get_deps
    from chalicelib.services.dossier import payments

    return payments.provider(get_deps()).hash_secret


def _ipn(api: ApiClient, params: dict[str, str]) -> dict[str, str]:
    r = api.anonymous().get("/api/payments/vnpay/ipn?" + urllib.parse.urlencode(params))
    assert r.status_code == 200, r.text
    answer: dict[str, str] = r.json()
    return answer


def _counter(agency: str, metric: str) -> int:
    from chalicelib.services.deps import get_deps

    d = get_deps()
    resp = d.store.client.query(
        TableName=d.store.table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CNT#{agency}#{_month()}"}},
    )
    return sum(int(i.get(metric, {}).get("N", "0")) for i in resp.get("Items", []))


def _month() -> str:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")


def test_citizen_pays_online_and_processing_resumes(paying: ApiClient, cloud: Any) -> None:
    api = paying
    d = _awaiting_fee(api)
    citizen = api.as_user("congdan")
    before = _counter(d["lead_agency"], "paid_online")

    created = citizen.post(f"/api/my/dossiers/{d['id']}/payments")
    assert created.status_code == 201, created.text
    pay = created.json()
    assert pay["amount_vnd"] == 100_000
    req = _request_params(pay["pay_url"])
    assert pay["pay_url"].split("?")[0].endswith("/sim/vnpay/pay")
    assert req["vnp_Amount"] == "10000000" and req["vnp_TxnRef"] == pay["payment_id"]
    assert vnpay.verify(req, _secret())
    again = citizen.post(f"/api/my/dossiers/{d['id']}/payments")
    assert again.status_code == 201 and again.json()["payment_id"] == pay["payment_id"]

    # Someone else's dossier is not found, and cannot be paid.
    other = api.as_user("congdan2").post(f"/api/my/dossiers/{d['id']}/payments")
    assert other.status_code == 404, other.text

    secret = _secret()
    result = vnpay_sim.result_params(req, secret, paid=True, at=_now())

    # Bad IPNs change nothing: wrong signature, wrong amount (re-signed), unknown order.
    assert _ipn(api, {**result, "vnp_TransactionNo": "1"})["RspCode"] == "97"
    wrong_amount = {k: v for k, v in result.items() if k != "vnp_SecureHash"}
    wrong_amount["vnp_Amount"] = "5000000"
    wrong_amount["vnp_SecureHash"] = vnpay.sign(wrong_amount, secret)
    assert _ipn(api, wrong_amount) == {"RspCode": "04", "Message": "Invalid amount"}
    unknown = {k: v for k, v in result.items() if k != "vnp_SecureHash"}
    unknown["vnp_TxnRef"] = "no-such-payment"
    unknown["vnp_SecureHash"] = vnpay.sign(unknown, secret)
    assert _ipn(api, unknown)["RspCode"] == "01"
    view = citizen.get(f"/api/my/dossiers/{d['id']}").json()
    assert view["status"]["code"] == 6 and view["fee"]["paid_at"] is None

    # The real IPN confirms; a second one is answered "already confirmed" and changes nothing.
    assert _ipn(api, result) == {"RspCode": "00", "Message": "Confirm Success"}
    paid = citizen.get(f"/api/my/dossiers/{d['id']}").json()
    assert paid["status"]["code"] in (2, 4)
    assert paid["fee"]["method"] == "online" and paid["fee"]["receipt_no"] == pay["payment_id"]
    version = paid["version"] if "version" in paid else None
    assert _ipn(api, result)["RspCode"] == "02"
    after = citizen.get(f"/api/my/dossiers/{d['id']}").json()
    assert after["fee"] == paid["fee"]
    if version is not None:
        assert after.get("version") == version
    assert _counter(d["lead_agency"], "paid_online") == before + 1
    assert citizen.post(f"/api/my/dossiers/{d['id']}/payments").status_code == 409

    # The browser's return lands on the dossier page, marked paid.
    back = api.anonymous().get(vnpay_sim.return_location(req, result).split("8000", 1)[-1])
    assert back.status_code == 302, back.text
    assert back.headers["Location"].endswith(f"#/my/{d['id']}?payment=paid")

    # The workflow goes on: the agency gets its task.
    tasks: list[dict[str, Any]] = []
    for _ in range(150):
        tasks = [
            t
            for t in api.as_user("sokhdt").get("/api/agency/tasks").json()["items"]
            if t["dossier_id"] == d["id"]
        ]
        if tasks:
            break
        deliver_workflow(api, cloud)
    assert tasks, "processing did not resume after the online payment"
    assert citizen.get(f"/api/my/dossiers/{d['id']}").json()["status"]["code"] == 4

    # The fee receipt (biên lai) is a PDF for the owner only.
    receipt = f"/api/my/dossiers/{d['id']}/payments/{pay['payment_id']}/receipt.pdf"
    pdf = citizen.get(receipt, {"Accept": "application/pdf"})
    assert pdf.status_code == 200, pdf.text
    assert pdf.body.startswith(b"%PDF") and pdf.headers["Content-Type"] == "application/pdf"
    theirs = api.as_user("congdan2").get(receipt, {"Accept": "application/pdf"})
    assert theirs.status_code == 404
    same = citizen.get(f"/api/my/dossiers/{d['id']}/fee-receipt.pdf", {"Accept": "application/pdf"})
    assert same.status_code == 200 and "VNPay" in _pdf_text(same.body)
    listed = citizen.get(f"/api/my/dossiers/{d['id']}/payments").json()["items"]
    assert [p["state"] for p in listed] == ["paid"]


def test_simulator_page_pay_button_confirms(paying: ApiClient) -> None:
    api = paying
    d = _awaiting_fee(api)
    pay = api.as_user("congdan").post(f"/api/my/dossiers/{d['id']}/payments").json()
    path = "/sim/vnpay/pay?" + pay["pay_url"].split("?", 1)[1]
    page = api.anonymous().get(path)
    assert page.status_code == 200 and "Cổng thanh toán mô phỏng" in page.text
    tampered = api.anonymous().get(path.replace("vnp_Amount=10000000", "vnp_Amount=100"))
    assert tampered.status_code == 400
    assert "sim-pay" in page.text and "sim-cancel" in page.text
    done = api.anonymous().get(path + "&sim_action=pay")
    assert done.status_code == 302, done.text
    assert "/api/payments/vnpay/return?" in done.headers["Location"]
    view = api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()
    assert view["status"]["code"] in (2, 4) and view["fee"]["method"] == "online"
    # An online payment is named online, through VNPay, everywhere (and never cash).
    assert "trực tuyến qua VNPay" in _fee_paid_note(view)
    text = _fee_receipt_text(api, "congdan", f"/api/my/dossiers/{d['id']}/fee-receipt.pdf")
    assert "Thanh toán trực tuyến qua VNPay" in text and "Mã giao dịch" in text, text
    assert "Tiền mặt" not in text and "Chuyển khoản" not in text, text
    # Back from the gateway the browser lands on the citizen's dossier page, marked paid.
    back = api.anonymous().get(done.headers["Location"].split("8000", 1)[-1])
    assert back.status_code == 302
    assert back.headers["Location"].endswith(f"/#/my/{d['id']}?payment=paid")


def test_simulator_cancel_returns_to_the_dossier_with_the_fee_still_due(paying: ApiClient) -> None:
    api = paying
    d = _awaiting_fee(api)
    pay = api.as_user("congdan").post(f"/api/my/dossiers/{d['id']}/payments").json()
    path = "/sim/vnpay/pay?" + pay["pay_url"].split("?", 1)[1]
    done = api.anonymous().get(path + "&sim_action=cancel")
    assert done.status_code == 302, done.text
    back = api.anonymous().get(done.headers["Location"].split("8000", 1)[-1])
    assert back.headers["Location"].endswith(f"/#/my/{d['id']}?payment=failed")
    view = api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()
    assert view["status"]["code"] == 6 and view["fee"]["paid_at"] is None
    # A tampered request is refused on a Vietnamese page that links back to the citizen's dossiers.
    bad = api.anonymous().get(path.replace("vnp_Amount=10000000", "vnp_Amount=1"))
    assert bad.status_code == 400 and "Quay lại hồ sơ của tôi" in bad.text
    assert "/#/my'" in bad.text


def test_cancelled_payment_keeps_the_fee_due(paying: ApiClient) -> None:
    api = paying
    d = _awaiting_fee(api)
    pay = api.as_user("congdan").post(f"/api/my/dossiers/{d['id']}/payments").json()
    req = _request_params(pay["pay_url"])
    result = vnpay_sim.result_params(req, _secret(), paid=False, at=_now())
    assert _ipn(api, result)["RspCode"] == "00"  # received and recorded as cancelled
    view = api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()
    assert view["status"]["code"] == 6 and view["fee"]["paid_at"] is None
    retry = api.as_user("congdan").post(f"/api/my/dossiers/{d['id']}/payments").json()
    assert retry["payment_id"] != pay["payment_id"]


def test_simulator_is_off_unless_configured(api: ApiClient) -> None:
    r = api.anonymous().get("/sim/vnpay/pay?vnp_TxnRef=x")
    assert r.status_code == 404


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _pdf_text(body: bytes) -> str:
    import io
    import unicodedata

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return unicodedata.normalize("NFC", text)


def _fee_receipt_text(api: ApiClient, user: str, path: str) -> str:
    got = api.as_user(user).get(path, {"Accept": "application/pdf"})
    assert got.status_code == 200, got.text
    assert got.headers["Content-Type"] == "application/pdf"
    return _pdf_text(got.body)


def _fee_paid_note(view: dict[str, Any]) -> str:
    """The history note of the fee's payment (at acceptance: the acceptance's note)."""
    notes = [e["note"] for e in view["history"] if e["action"] in ("fee_paid", "received")]
    return " ".join(n for n in notes if n)


def test_accept_without_an_explicit_fee_choice_does_not_record_the_fee_paid(
    api: ApiClient,
) -> None:
    d = submit_online(api, BUSINESS)
    desk, citizen = api.as_user("motcua"), api.as_user("congdan")
    accept = f"/api/desk/dossiers/{d['id']}/accept"
    # "Collected" without its biên lai number is refused and changes nothing.
    for body in ({"fee_collected": True}, {"fee_collected": True, "receipt_no": "   "}):
        refused = desk.post(accept, body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == "receipt_no" and refused.json()["message"]
    still = citizen.get(f"/api/my/dossiers/{d['id']}").json()
    assert still["status"]["code"] == 1 and still["code"] is None and still["fee"] is None

    # WHEN the desk accepts without saying the fee was collected
    r = desk.post(accept)
    assert r.status_code == 200, r.text

    # THEN the fee is owed (status 6), not paid, with the fee's own deadline
    for view in (r.json(), citizen.get(f"/api/my/dossiers/{d['id']}").json()):
        assert view["status"]["code"] == 6
        assert view["fee"]["amount_vnd"] == 100_000
        assert view["fee"]["paid_at"] is None and view["fee"]["method"] is None
        assert view["fee"]["due_at"] and view["fee"]["due_at"] == view["supplement_due_at"]
    unpaid = citizen.get(
        f"/api/my/dossiers/{d['id']}/fee-receipt.pdf", {"Accept": "application/pdf"}
    )
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "not_paid"


def test_desk_cash_payment_prints_the_same_fee_receipt_for_desk_and_citizen(api: ApiClient) -> None:
    d = _awaiting_fee(api)
    desk, citizen = api.as_user("motcua"), api.as_user("congdan")
    mine = f"/api/my/dossiers/{d['id']}/fee-receipt.pdf"
    desks = f"/api/desk/dossiers/{d['id']}/fee-receipt.pdf"
    pdf = {"Accept": "application/pdf"}
    unpaid = citizen.get(mine, pdf)
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "not_paid"

    r = desk.post(
        f"/api/desk/dossiers/{d['id']}/payments",
        {"amount_vnd": 100_000, "receipt_no": "BL-0042", "method": "cash"},
    )
    assert r.status_code == 200, r.text

    for who, path in (("motcua", desks), ("congdan", mine)):
        text = _fee_receipt_text(api, who, path)
        assert "BL-0042" in text and "100.000" in text and "Tiền mặt" in text, text
        assert d["code"] in text
        # cash at the desk is named so, and never online
        assert "trực tuyến" not in text.lower() and "VNPay" not in text, text
        assert "Mã giao dịch" not in text, text
    for view in (
        citizen.get(f"/api/my/dossiers/{d['id']}").json(),
        desk.get(f"/api/desk/dossiers/{d['id']}").json(),
    ):
        assert view["fee"]["method"] == "cash" and view["fee"]["receipt_no"] == "BL-0042"
        assert view["fee"]["paid_at"] is not None
        note = _fee_paid_note(view)
        assert "tiền mặt" in note and "BL-0042" in note and "trực tuyến" not in note, note
    assert api.as_user("congdan2").get(mine, pdf).status_code == 404
    assert citizen.get(desks, pdf).status_code == 403


def test_fee_collected_at_acceptance_has_a_receipt(api: ApiClient) -> None:
    d = submit_online(api, BUSINESS)
    r = api.as_user("motcua").post(
        f"/api/desk/dossiers/{d['id']}/accept", {"fee_collected": True, "receipt_no": "BL-7"}
    )
    assert r.status_code == 200, r.text
    got = api.as_user("motcua").get(
        f"/api/desk/dossiers/{d['id']}/fee-receipt.pdf", {"Accept": "application/pdf"}
    )
    assert got.status_code == 200, got.text
    text = _pdf_text(got.body)
    assert "BL-7" in text and "100.000" in text, text
    assert "Tiền mặt" in text and "trực tuyến" not in text.lower(), text


def test_transfer_recorded_at_acceptance_is_named_a_transfer(api: ApiClient) -> None:
    d = submit_online(api, BUSINESS)
    r = api.as_user("motcua").post(
        f"/api/desk/dossiers/{d['id']}/accept",
        {"fee_collected": True, "fee_method": "transfer", "receipt_no": " CK-9 "},
    )
    assert r.status_code == 200, r.text
    view = api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()
    assert view["status"]["code"] in (2, 4)
    assert view["fee"]["method"] == "transfer" and view["fee"]["receipt_no"] == "CK-9"
    assert "chuyển khoản" in _fee_paid_note(view)
    text = _fee_receipt_text(api, "congdan", f"/api/my/dossiers/{d['id']}/fee-receipt.pdf")
    assert "Chuyển khoản" in text and "CK-9" in text, text
    assert "trực tuyến" not in text.lower() and "Tiền mặt" not in text, text


def test_fee_paid_the_evening_it_was_owed_leaves_an_empty_pause(api: ApiClient) -> None:
    """Received after 17:00 counts from the next working morning; paid at 18:05 that evening, the
    fee pause ends where it starts (a regression: it answered 400 'pause ends before it starts')."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from chalicelib.services.deps import any_deps, set_deps

    evening = datetime(2026, 11, 26, 18, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # a Thursday
    d = submit_online(api, BUSINESS)
    set_deps(any_deps(clock=lambda: evening.astimezone(UTC)))
    owed = api.as_user("motcua").post(
        f"/api/desk/dossiers/{d['id']}/accept", {"fee_collected": False}
    )
    assert owed.status_code == 200, owed.text
    assert owed.json()["received_at"].startswith("2026-11-27T00:30")  # Friday 07:30 Vietnam
    later = evening.replace(minute=5).astimezone(UTC)
    set_deps(any_deps(clock=lambda: later))
    paid = api.as_user("motcua").post(
        f"/api/desk/dossiers/{d['id']}/payments",
        {"amount_vnd": 100_000, "receipt_no": "BL-18H", "method": "cash"},
    )
    assert paid.status_code == 200, paid.text
    pause = [p for p in paid.json().get("pauses", []) if p.get("kind") == "fee"]
    if pause:  # the view shows pauses: the fee pause is empty
        assert pause[-1]["start"] == pause[-1]["end"]
    assert paid.json()["appointment_at"] == owed.json()["appointment_at"]
