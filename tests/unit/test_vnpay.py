"""VNPay 2.1.0 signing and verification against a vector computed here from the documented rule:
sort the vnp_ parameters (without the hash), `name=quote_plus(value)` joined with `&`, then
hex HMAC-SHA512 under the hash secret."""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from datetime import UTC, datetime

from chalicelib.integrations import vnpay, vnpay_sim

SECRET = "TESTSECRETNOTREAL0123456789ABCDEF"


def _by_hand(params: dict[str, str]) -> str:
    data = (
        "vnp_Amount=10000000&vnp_Command=pay&vnp_CreateDate=20261130143000"
        "&vnp_CurrCode=VND&vnp_ExpireDate=20261130144500&vnp_IpAddr=127.0.0.1"
        "&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+phi+ho+so+H33.03-261130-0001"
        "&vnp_OrderType=other&vnp_ReturnUrl=http%3A%2F%2Flocalhost%3A8000%2Fapi%2Fpayments"
        "%2Fvnpay%2Freturn&vnp_TmnCode=DEMO0001&vnp_TxnRef=abc123&vnp_Version=2.1.0"
    )
    assert vnpay.canonical(params) == data
    return hmac.new(SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()


def _request() -> vnpay.PaymentRequest:
    return vnpay.PaymentRequest(
        txn_ref="abc123",
        amount_vnd=100_000,
        order_info="Thanh toan phi ho so H33.03-261130-0001",
        return_url="http://localhost:8000/api/payments/vnpay/return",
        ip_addr="127.0.0.1",
        created_at=datetime(2026, 11, 30, 7, 30, tzinfo=UTC),  # 14:30 in Vietnam
    )


def test_payment_url_is_signed_as_documented() -> None:
    gw = vnpay.VnPay("DEMO0001", SECRET, "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html")
    params = gw.params(_request())
    assert params["vnp_Amount"] == "10000000"  # VND x 100
    expected = _by_hand(params)
    url = gw.payment_url(_request())
    base, _, query = url.partition("?")
    assert base == "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    parsed = dict(urllib.parse.parse_qsl(query))
    assert parsed["vnp_SecureHash"] == expected
    assert len(expected) == 128
    assert vnpay.verify(parsed, SECRET)


def test_tampered_or_unsigned_parameters_are_invalid() -> None:
    gw = vnpay.VnPay("DEMO0001", SECRET)
    parsed = dict(urllib.parse.parse_qsl(gw.payment_url(_request()).partition("?")[2]))
    assert gw.verify(parsed)
    for name, value in [("vnp_Amount", "100"), ("vnp_TxnRef", "other"), ("vnp_Locale", "en")]:
        assert not gw.verify({**parsed, name: value}), name
    assert not gw.verify({**parsed, "vnp_SecureHash": ""})
    assert not gw.verify({k: v for k, v in parsed.items() if k != "vnp_SecureHash"})
    assert not vnpay.verify(parsed, "another secret")
    # Non-vnp parameters and the hash type are not part of the signed data.
    assert gw.verify({**parsed, "sim_action": "pay", "vnp_SecureHashType": "HmacSHA512"})
    # An uppercase hex hash (some gateways send it so) still verifies.
    assert gw.verify({**parsed, "vnp_SecureHash": parsed["vnp_SecureHash"].upper()})


def test_amount_conversion() -> None:
    assert vnpay.to_vnp_amount(100_000) == "10000000"
    assert vnpay.from_vnp_amount("10000000") == 100_000
    assert vnpay.from_vnp_amount("10000050") is None
    assert vnpay.from_vnp_amount("abc") is None
    assert vnpay.from_vnp_amount("-100") is None


def test_simulator_results_are_signed_and_verifiable() -> None:
    gw = vnpay.VnPay("DEMO0001", SECRET)
    request = dict(urllib.parse.parse_qsl(gw.payment_url(_request()).partition("?")[2]))
    at = datetime(2026, 11, 30, 7, 31, tzinfo=UTC)
    paid = vnpay_sim.result_params(request, SECRET, paid=True, at=at)
    assert gw.verify(paid)
    assert paid["vnp_ResponseCode"] == "00" and paid["vnp_TxnRef"] == "abc123"
    assert paid["vnp_PayDate"] == "20261130143100"
    cancelled = vnpay_sim.result_params(request, SECRET, paid=False, at=at)
    assert gw.verify(cancelled) and cancelled["vnp_ResponseCode"] == "24"
    loc = vnpay_sim.return_location(request, paid)
    assert loc.startswith("http://localhost:8000/api/payments/vnpay/return?")
    assert gw.verify(dict(urllib.parse.parse_qsl(loc.partition("?")[2])))
    assert "Cổng thanh toán mô phỏng" in vnpay_sim.page(request, valid=True)
    assert "100.000" in vnpay_sim.page(request, valid=True)


def test_ipn_answers_use_vnpay_codes() -> None:
    assert vnpay.ipn_answer(vnpay.RSP_SIGNATURE) == {
        "RspCode": "97",
        "Message": "Invalid signature",
    }
    assert vnpay.ipn_answer(vnpay.RSP_AMOUNT)["RspCode"] == "04"
    assert vnpay.ipn_answer(vnpay.RSP_ALREADY)["RspCode"] == "02"
