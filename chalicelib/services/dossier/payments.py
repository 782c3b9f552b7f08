"""Online payment of a dossier's fee (status 6) through a payment gateway (VNPay 2.1.0).

- `create_payment`: the owner of a dossier awaiting its fee opens an attempt (amount = the fee) and
  gets the gateway URL; a repeated call reuses the open attempt (idempotent per dossier and fee).
- `handle_ipn`: the gateway's server-to-server call. Signature, order (txn ref), amount and
  response code are checked in that order and answered with VNPay's `RspCode`s; nothing changes
  on a refusal. Code 00 confirms the payment with `confirm_online_payment`, which mirrors the
  desk's `decisions.record_payment`: one transaction (dossier fee paid with method "online",
  history + audit, counter `paid_online`, tasks released), then the workflow is resumed.
- `handle_return`: the browser's return; it only verifies and reports, the IPN is what counts
  (VNPay's rule), but a verified success also confirms so the local demo does not depend on order.
Another person's dossier answers 404.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from chalicelib.domain.actors import Actor
from chalicelib.domain.dossier import Dossier, StepState, fee_method_label
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.history import month_key, new_event
from chalicelib.domain.statuses import DossierStatus, check_transition
from chalicelib.integrations import vnpay
from chalicelib.services.container import Deps
from chalicelib.services.dossier import execution
from chalicelib.services.dossier.access import load_for
from chalicelib.store.payments import Payment, PaymentStore
from chalicelib.store.table import Change

log = logging.getLogger(__name__)
S = DossierStatus

SIMULATOR_TMN_CODE = "SIMTTHC1"
# The local simulator's fake key, never a real one (real keys come from VNPAY_HASH_SECRET).
SIMULATOR_SECRET = "SIMULATOR-ONLY-NOT-A-SECRET"  # noqa: S105


class GatewayActor:
    """Who records an online payment in the history: the gateway, as the system."""

    sub = "vnpay"
    username = "vnpay"
    role = "system"
    unit: str | None = None


GATEWAY = GatewayActor()


def _store(deps: Deps) -> PaymentStore:
    return PaymentStore(deps.store.client, deps.store.table)


def api_base(deps: Deps) -> str:
    return (deps.settings.api_base_url or deps.settings.public_base_url).rstrip("/")


def provider(deps: Deps) -> vnpay.VnPay:
    """VNPay from settings; with the simulator on, our own /sim page and its fake key."""
    s = deps.settings
    if s.vnpay_simulator:
        return vnpay.VnPay(
            tmn_code=s.vnpay_tmn_code or SIMULATOR_TMN_CODE,
            hash_secret=s.vnpay_hash_secret or SIMULATOR_SECRET,
            gateway_url=f"{api_base(deps)}/sim/vnpay/pay",
        )
    if not s.vnpay_tmn_code or not s.vnpay_hash_secret:
        raise Conflict(
            "Thanh toán trực tuyến chưa được cấu hình.",
            "Online payment is not configured.",
            code="payment_unavailable",
        )
    return vnpay.VnPay(s.vnpay_tmn_code, s.vnpay_hash_secret, s.vnpay_url)


def _no_fee() -> Conflict:
    return Conflict(
        "Hồ sơ không chờ thực hiện nghĩa vụ tài chính.",
        "The dossier is not awaiting a payment.",
        code="no_fee_due",
    )


def _awaiting(d: Dossier) -> bool:
    return d.status is S.AWAITING_FEE and d.fee is not None and d.fee.paid_at is None


# ---- the citizen opens an attempt ----------------------------------------------------------------
def create_payment(
    deps: Deps, actor: Actor, dossier_id: str, ip_addr: str = "127.0.0.1"
) -> dict[str, Any]:
    """{payment_id, pay_url, amount_vnd, expires_at}; reuses the open attempt for the same fee."""
    d = load_for(deps, dossier_id, actor)
    from chalicelib.domain.permissions import Related, permits

    if not permits(actor, "payment.my.pay", Related.of(owner=d.owner)):
        raise NotFound("Không tìm thấy hồ sơ.", "Dossier not found.", field="id")
    if not _awaiting(d):
        raise _no_fee()
    assert d.fee is not None and d.code is not None
    store = _store(deps)
    now = deps.clock()
    gateway = provider(deps)
    current_id = store.current_id(d.id)
    if current_id is not None:
        cur = store.get(current_id)
        if (
            cur.state == "pending"
            and cur.expires_at > now
            and cur.amount_vnd == d.fee.amount_vnd
            and cur.fee_requested_at == d.fee.requested_at
        ):
            return _answer(deps, gateway, cur, ip_addr)
    p = Payment(
        id=uuid.uuid4().hex[:20],
        provider=gateway.name,
        dossier_id=d.id,
        dossier_code=d.code,
        owner=d.owner,
        payer_name=d.applicant.name,
        amount_vnd=d.fee.amount_vnd,
        fee_requested_at=d.fee.requested_at,
        created_at=now,
        expires_at=now + timedelta(minutes=deps.settings.payment_expire_minutes),
    )
    saved = store.create(p, current_id)
    return _answer(deps, gateway, saved, ip_addr)


def _answer(deps: Deps, gateway: vnpay.VnPay, p: Payment, ip_addr: str) -> dict[str, Any]:
    req = vnpay.PaymentRequest(
        txn_ref=p.id,
        amount_vnd=p.amount_vnd,
        order_info=f"Thanh toan phi ho so {p.dossier_code}",
        return_url=f"{api_base(deps)}/api/payments/vnpay/return",
        ip_addr=ip_addr or "127.0.0.1",
        created_at=p.created_at,
        expire_minutes=deps.settings.payment_expire_minutes,
    )
    return {
        "payment_id": p.id,
        "pay_url": gateway.payment_url(req),
        "amount_vnd": p.amount_vnd,
        "expires_at": p.expires_at.isoformat(),
        "state": p.state,
    }


# ---- the gateway answers ---------------------------------------------------------------------
def handle_ipn(deps: Deps, params: Mapping[str, str]) -> dict[str, str]:
    """VNPay's IPN: {RspCode, Message}. Refusals change nothing."""
    try:
        gateway = provider(deps)
    except Conflict:
        return vnpay.ipn_answer(vnpay.RSP_UNKNOWN)
    if not gateway.verify(params):
        log.warning("vnpay ipn: invalid signature for txn %s", params.get("vnp_TxnRef"))
        return vnpay.ipn_answer(vnpay.RSP_SIGNATURE)
    store = _store(deps)
    try:
        p = store.get(str(params.get("vnp_TxnRef") or "-"))
    except NotFound:
        return vnpay.ipn_answer(vnpay.RSP_NOT_FOUND)
    if params.get("vnp_TmnCode") != gateway.tmn_code:
        return vnpay.ipn_answer(vnpay.RSP_NOT_FOUND)
    if vnpay.from_vnp_amount(str(params.get("vnp_Amount", ""))) != p.amount_vnd:
        log.warning("vnpay ipn: amount mismatch for payment %s", p.id)
        return vnpay.ipn_answer(vnpay.RSP_AMOUNT)
    if p.state != "pending":
        return vnpay.ipn_answer(vnpay.RSP_ALREADY)
    ok = (
        params.get("vnp_ResponseCode") == vnpay.SUCCESS
        and params.get("vnp_TransactionStatus", vnpay.SUCCESS) == vnpay.SUCCESS
    )
    details = {
        "transaction_no": params.get("vnp_TransactionNo"),
        "bank_code": params.get("vnp_BankCode"),
        "pay_date": params.get("vnp_PayDate"),
        "response_code": params.get("vnp_ResponseCode"),
    }
    if not ok:
        state = "cancelled" if params.get("vnp_ResponseCode") == vnpay.CANCELLED else "failed"
        try:
            store.save(p.model_copy(update={**details, "state": state}), p.version)
        except Conflict:
            return vnpay.ipn_answer(vnpay.RSP_ALREADY)
        return vnpay.ipn_answer(vnpay.RSP_OK)
    confirmed = confirm_online_payment(deps, p.model_copy(update=details))
    return vnpay.ipn_answer(vnpay.RSP_OK if confirmed else vnpay.RSP_ALREADY)


def confirm_online_payment(deps: Deps, payment: Payment) -> bool:
    """Record the online payment on the dossier and resume processing, exactly once.

    The dossier's version check makes the commit happen once; the payment is marked paid after
    it (a retry after a crash in between finds the dossier paid by this payment and only marks
    it). Returns True when this call confirmed it, False when it had been confirmed already."""
    store = _store(deps)
    now = deps.clock()
    for _ in range(3):
        d = deps.store.get_dossier(payment.dossier_id)
        if d.fee is not None and d.fee.paid_at is not None and d.fee.receipt_no == payment.id:
            _mark(store, payment, "paid", d.fee.paid_at)
            return False
        if (
            not _awaiting(d)
            or d.fee is None
            or d.fee.requested_at != payment.fee_requested_at
            or d.fee.amount_vnd != payment.amount_vnd
        ):
            # Paid at the desk meanwhile, withdrawn or stopped: the money must be refunded.
            log.warning("online payment %s arrived for a dossier not awaiting it", payment.id)
            _mark(store, payment, "unapplied", now)
            return False
        started = any(s.state is not StepState.WAITING or s.rounds for s in d.steps)
        status = check_transition(
            d.status or S.AWAITING_FEE, S.PROCESSING if started else S.RECEIVED
        )
        fee = d.fee.model_copy(
            update={
                "paid_at": now,
                "method": "online",
                "receipt_no": payment.id,
                "recorded_by": GATEWAY.username,
            }
        )
        updates = execution.close_pause_updates(deps, d, now)
        note = (
            f"{payment.amount_vnd} đồng, {fee_method_label('online', in_sentence=True)}, "
            f"giao dịch {payment.transaction_no}"
        )
        try:
            saved = deps.store.apply(
                Change(
                    dossier=d.model_copy(update={**updates, "fee": fee, "status": status}),
                    expected_version=d.version,
                    events=[
                        new_event(GATEWAY, "fee_paid", d.status, status, note, at=deps.clock())
                    ],
                    counters=[(d.lead_agency, month_key(now), "paid_online")],
                    tasks=execution.release_awaiting_tasks(deps, d),
                )
            )
        except Conflict:
            continue  # the dossier moved (a concurrent IPN, a timer): look again
        _mark(store, payment, "paid", now)
        execution.resume_after_applicant(deps, saved)
        return True
    raise Conflict("Hồ sơ đang được cập nhật.", "The dossier is busy; retry.", code="stale")


def _mark(store: PaymentStore, payment: Payment, state: str, at: Any) -> None:
    for _ in range(3):
        cur = store.get(payment.id)
        if cur.state == state:
            return
        try:
            store.save(
                cur.model_copy(
                    update={
                        "state": state,
                        "paid_at": at if state == "paid" else cur.paid_at,
                        "transaction_no": payment.transaction_no or cur.transaction_no,
                        "bank_code": payment.bank_code or cur.bank_code,
                        "pay_date": payment.pay_date or cur.pay_date,
                        "response_code": payment.response_code or cur.response_code,
                    }
                ),
                cur.version,
            )
            return
        except Conflict:
            continue


def handle_return(deps: Deps, params: Mapping[str, str]) -> tuple[str, str]:
    """The browser's return: (dossier id or "", outcome `paid` | `failed` | `invalid`)."""
    try:
        gateway = provider(deps)
    except Conflict:
        return "", "invalid"
    if not gateway.verify(params):
        return "", "invalid"
    try:
        p = _store(deps).get(str(params.get("vnp_TxnRef") or "-"))
    except NotFound:
        return "", "invalid"
    if params.get("vnp_ResponseCode") != vnpay.SUCCESS:
        return p.dossier_id, "failed"
    if p.state == "pending":
        # The IPN is authoritative; confirming here too is idempotent and spares the demo a race.
        answer = handle_ipn(deps, params)
        if answer["RspCode"] not in ("00", "02"):
            return p.dossier_id, "failed"
    return p.dossier_id, "paid"


# ---- receipts ---------------------------------------------------------------------------------
def get_for_owner(deps: Deps, actor: Actor, dossier_id: str, payment_id: str) -> Payment:
    d = load_for(deps, dossier_id, actor)
    try:
        p = _store(deps).get(payment_id)
    except NotFound:
        p = None
    if p is None or p.dossier_id != d.id:
        raise NotFound("Không tìm thấy giao dịch.", "Payment not found.", field="payment_id")
    return p


def receipt_pdf(deps: Deps, actor: Actor, dossier_id: str, payment_id: str) -> bytes:
    """The fee receipt (biên lai) of a paid online payment."""
    p = get_for_owner(deps, actor, dossier_id, payment_id)
    if p.state != "paid":
        raise Conflict(
            "Giao dịch chưa thanh toán thành công.", "The payment is not paid.", code="not_paid"
        )
    from chalicelib.documents.fee_receipt import FeeReceipt, render_fee_receipt

    d = deps.store.get_dossier(dossier_id)
    return render_fee_receipt(
        FeeReceipt(
            receipt_no=p.id,
            province=deps.settings.province_name,
            dossier_code=p.dossier_code,
            payer_name=p.payer_name,
            amount_vnd=p.amount_vnd,
            reason=d.fee.reason if d.fee else "",
            paid_at=p.paid_at or p.created_at,
            method="online",
            transaction_no=p.transaction_no or "",
            bank_code=p.bank_code or "",
        )
    )


def fee_receipt_pdf(deps: Deps, actor: Actor, dossier_id: str) -> tuple[str, bytes]:
    """The biên lai of the fee recorded on the dossier, however it was paid.

    Cash or transfer at the desk (at acceptance or later, status 6) and online payments all end as
    `Dossier.fee.paid_at`; one receipt reads that, so the desk and the citizen print the same paper.
    """
    d = load_for(deps, dossier_id, actor)
    fee = d.fee
    if fee is None or fee.paid_at is None:
        raise Conflict(
            "Hồ sơ chưa có khoản phí, lệ phí đã nộp.",
            "No fee has been paid for this dossier.",
            code="not_paid",
        )
    from chalicelib.services.admin import audit

    audit.record_staff_read(deps, actor, d, "fee_receipt")
    transaction_no = bank_code = ""
    if fee.method == "online" and fee.receipt_no:
        try:
            p = _store(deps).get(fee.receipt_no)
        except NotFound:
            p = None
        if p is not None:
            transaction_no, bank_code = p.transaction_no or "", p.bank_code or ""
    from chalicelib.documents.fee_receipt import FeeReceipt, render_fee_receipt

    receipt_no = fee.receipt_no or f"{d.code}-LP"
    return receipt_no, render_fee_receipt(
        FeeReceipt(
            receipt_no=receipt_no,
            province=deps.settings.province_name,
            dossier_code=d.code or d.id,
            payer_name=d.applicant.name,
            amount_vnd=fee.amount_vnd,
            reason=fee.reason,
            paid_at=fee.paid_at,
            method=fee.method or "cash",
            transaction_no=transaction_no,
            bank_code=bank_code,
        )
    )


def list_payments(deps: Deps, actor: Actor, dossier_id: str) -> list[dict[str, Any]]:
    d = load_for(deps, dossier_id, actor)
    return [
        {
            "payment_id": p.id,
            "amount_vnd": p.amount_vnd,
            "state": p.state,
            "created_at": p.created_at.isoformat(),
            "paid_at": p.paid_at.isoformat() if p.paid_at else None,
            "transaction_no": p.transaction_no,
        }
        for p in _store(deps).list_for(d.id)
    ]
