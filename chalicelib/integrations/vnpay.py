"""VNPay 2.1.0 redirect protocol: the payment URL, and verification of the return URL and the IPN.

The algorithm is VNPay's published one (sandbox docs, "Tích hợp thanh toán - PAY"):
- every parameter is prefixed `vnp_`; the amount is VND × 100 (no decimals);
- the signed data is the parameters except `vnp_SecureHash`/`vnp_SecureHashType`, with an empty
  value left out, sorted by name, each `name=quote_plus(value)`, joined with `&`;
- `vnp_SecureHash` = hex HMAC-SHA512 of that string under the merchant's hash secret;
- the payment URL is `<gateway>?<the same string>&vnp_SecureHash=<hash>`.

IPN answers use VNPay's `RspCode`s (`RSP_*` below). Pure: no boto3, no network.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
VERSION = "2.1.0"
SANDBOX_URL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"

# vnp_ResponseCode / vnp_TransactionStatus
SUCCESS = "00"
CANCELLED = "24"  # the customer cancelled

# IPN answer codes (RspCode), as VNPay documents them.
RSP_OK = ("00", "Confirm Success")
RSP_NOT_FOUND = ("01", "Order not found")
RSP_ALREADY = ("02", "Order already confirmed")
RSP_AMOUNT = ("04", "Invalid amount")
RSP_SIGNATURE = ("97", "Invalid signature")
RSP_UNKNOWN = ("99", "Unknown error")

HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")


def canonical(params: Mapping[str, str]) -> str:
    """The string VNPay signs: vnp_ parameters except the hash, non-empty, sorted, URL-encoded."""
    items = sorted(
        (k, str(v))
        for k, v in params.items()
        if k.startswith("vnp_") and k not in HASH_FIELDS and v is not None and str(v) != ""
    )
    return "&".join(f"{k}={urllib.parse.quote_plus(v)}" for k, v in items)


def sign(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(
        secret.encode("utf-8"), canonical(params).encode("utf-8"), hashlib.sha512
    ).hexdigest()


def verify(params: Mapping[str, str], secret: str) -> bool:
    """True when `vnp_SecureHash` matches the other parameters (constant-time compare)."""
    given = str(params.get("vnp_SecureHash") or "")
    if not given or not secret:
        return False
    # bytes: compare_digest refuses str with non-ASCII characters (a TypeError)
    return hmac.compare_digest(given.lower().encode(), sign(params, secret).encode())


def vnp_time(at: datetime) -> str:
    """VNPay's timestamps: yyyyMMddHHmmss in GMT+7."""
    return at.astimezone(VN).strftime("%Y%m%d%H%M%S")


def to_vnp_amount(amount_vnd: int) -> str:
    return str(int(amount_vnd) * 100)


def from_vnp_amount(value: str) -> int | None:
    """VND from `vnp_Amount` (× 100); None when malformed or not a whole number of đồng."""
    try:
        n = int(str(value))
    except (TypeError, ValueError):
        return None
    if n < 0 or n % 100:
        return None
    return n // 100


@dataclass(frozen=True)
class PaymentRequest:
    txn_ref: str  # our payment id
    amount_vnd: int
    order_info: str
    return_url: str
    ip_addr: str
    created_at: datetime
    expire_minutes: int = 15
    locale: str = "vn"
    order_type: str = "other"
    bank_code: str | None = None


class PaymentProvider(Protocol):
    """A gateway the citizen is redirected to. VNPay is one; the national payment platform
    (Nền tảng thanh toán trực tuyến của Cổng DVCQG) is the second slot and must fit this too."""

    name: str

    def payment_url(self, req: PaymentRequest) -> str: ...

    def verify(self, params: Mapping[str, str]) -> bool: ...


@dataclass(frozen=True)
class VnPay:
    tmn_code: str
    hash_secret: str
    gateway_url: str = SANDBOX_URL
    name: str = "vnpay"

    def params(self, req: PaymentRequest) -> dict[str, str]:
        p = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": to_vnp_amount(req.amount_vnd),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": req.txn_ref,
            "vnp_OrderInfo": req.order_info,
            "vnp_OrderType": req.order_type,
            "vnp_Locale": req.locale,
            "vnp_ReturnUrl": req.return_url,
            "vnp_IpAddr": req.ip_addr,
            "vnp_CreateDate": vnp_time(req.created_at),
            "vnp_ExpireDate": vnp_time(req.created_at + timedelta(minutes=req.expire_minutes)),
        }
        if req.bank_code:
            p["vnp_BankCode"] = req.bank_code
        return p

    def payment_url(self, req: PaymentRequest) -> str:
        p = self.params(req)
        query = canonical(p)
        return f"{self.gateway_url}?{query}&vnp_SecureHash={sign(p, self.hash_secret)}"

    def verify(self, params: Mapping[str, str]) -> bool:
        return verify(params, self.hash_secret)


def ipn_answer(code: tuple[str, str]) -> dict[str, str]:
    return {"RspCode": code[0], "Message": code[1]}
