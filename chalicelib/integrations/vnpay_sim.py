"""A local stand-in for VNPay's payment page (`make run` only, setting VNPAY_SIMULATOR=true).

It checks the request's signature like the gateway does, shows the order with Pay/Cancel, then
answers like VNPay: the IPN (server to server) and a redirect to the return URL, both carrying
result parameters signed with the same HMAC-SHA512 algorithm (`chalicelib.integrations.vnpay`).
"""

from __future__ import annotations

import html
import urllib.parse
import uuid
from collections.abc import Mapping
from datetime import datetime

from chalicelib.integrations import vnpay


def result_params(
    request: Mapping[str, str], secret: str, *, paid: bool, at: datetime
) -> dict[str, str]:
    """What VNPay sends back (return URL and IPN) for a payment request, signed."""
    p = {
        "vnp_Amount": str(request.get("vnp_Amount", "")),
        "vnp_BankCode": "NCB",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": str(request.get("vnp_OrderInfo", "")),
        "vnp_PayDate": vnpay.vnp_time(at),
        "vnp_ResponseCode": vnpay.SUCCESS if paid else vnpay.CANCELLED,
        "vnp_TmnCode": str(request.get("vnp_TmnCode", "")),
        "vnp_TransactionNo": str(uuid.uuid4().int % 10**8).zfill(8) if paid else "0",
        "vnp_TransactionStatus": vnpay.SUCCESS if paid else "02",
        "vnp_TxnRef": str(request.get("vnp_TxnRef", "")),
    }
    if paid:
        p["vnp_BankTranNo"] = "VNP" + p["vnp_TransactionNo"]
    p["vnp_SecureHashType"] = "HmacSHA512"
    p["vnp_SecureHash"] = vnpay.sign(p, secret)
    return p


def return_location(request: Mapping[str, str], result: Mapping[str, str]) -> str:
    return f"{request['vnp_ReturnUrl']}?{urllib.parse.urlencode(dict(result))}"


def page(request: Mapping[str, str], *, valid: bool, home: str = "/") -> str:
    """The simulator's page: the order and two buttons (links back to this page with an action);
    both end on the return URL, i.e. the citizen's dossier page. A refused request links `home`."""
    esc = html.escape
    if not valid:
        body = (
            "<p class='err'>Chữ ký yêu cầu không hợp lệ (vnp_SecureHash). Giao dịch bị từ chối.</p>"
            "<p class='note' lang='en'>The request's signature is invalid; nothing was paid.</p>"
            f"<p><a id='sim-home' href='{esc(home)}'>Quay lại hồ sơ của tôi</a></p>"
        )
    else:
        amount = vnpay.from_vnp_amount(str(request.get("vnp_Amount", ""))) or 0
        base = {k: v for k, v in request.items() if k != "sim_action"}
        pay = "?" + urllib.parse.urlencode({**base, "sim_action": "pay"})
        cancel = "?" + urllib.parse.urlencode({**base, "sim_action": "cancel"})
        body = (
            f"<p>Đơn vị: <b>{esc(str(request.get('vnp_TmnCode', '')))}</b></p>"
            f"<p>Mã giao dịch: <b>{esc(str(request.get('vnp_TxnRef', '')))}</b></p>"
            f"<p>Nội dung: {esc(str(request.get('vnp_OrderInfo', '')))}</p>"
            f"<p class='amt'>Số tiền: <b>{amount:,} đ</b></p>".replace(",", ".")
            + f"<p><a class='btn pay' id='sim-pay' href='{esc(pay)}'>Thanh toán</a> "
            f"<a class='btn cancel' id='sim-cancel' href='{esc(cancel)}'>Hủy giao dịch</a></p>"
            "<p class='note'>Sau khi thanh toán hoặc hủy, bạn được đưa về trang hồ sơ.</p>"
            "<p class='note' lang='en'>Pay or cancel; either way you return to the dossier page."
            "</p>"
        )
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<title>Cổng thanh toán mô phỏng</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
        ".btn{display:inline-block;padding:.6rem 1.2rem;border-radius:4px;color:#fff;"
        "text-decoration:none;margin-right:.5rem}.pay{background:#0a7d38}.cancel{background:#a33}"
        ".amt{font-size:1.3rem}.err{color:#a33}.note{color:#666;font-size:.85rem}"
        "</style></head><body><h1>Cổng thanh toán mô phỏng</h1>"
        "<p class='note'>Môi trường thử nghiệm: không có giao dịch thật nào được thực hiện.</p>"
        "<p class='note' lang='en'>Payment gateway simulator (testing only): no real money.</p>"
        f"{body}</body></html>"
    )
