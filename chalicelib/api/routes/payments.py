"""Online payment routes (VNPay 2.1.0) and the local gateway simulator.

- `POST /api/my/dossiers/{id}/payments` (citizen, owner; status 6) → 201 {payment_id, pay_url, ...};
- `GET /api/my/dossiers/{id}/payments` → the dossier's payment attempts;
- `GET /api/my/dossiers/{id}/payments/{payment_id}/receipt.pdf` → an online payment's biên lai;
- `GET /api/my/dossiers/{id}/fee-receipt.pdf`, `GET /api/desk/dossiers/{id}/fee-receipt.pdf` → the
  biên lai of the fee paid on the dossier (cash or transfer at the desk, or online);
- `GET /api/payments/vnpay/return` (the browser back from the gateway) → 302 to the dossier page
  `#/my/<id>?payment=paid|failed|invalid`;
- `GET /api/payments/vnpay/ipn` (gateway to server) → VNPay's JSON {RspCode, Message};
- `GET /sim/vnpay/pay` (only when VNPAY_SIMULATOR is true; else 404) → the simulator page (the
  local server routes `/sim/` to the app like `/api/`).
`install(app)` registers the blueprint. Each route declares its contract
(chalicelib/api/routing.py); its permission is in chalicelib/domain/permissions.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalice import Chalice
    from chalice.app import Request

    from chalicelib.api.auth import Caller

payments = LazyModule("chalicelib.services.dossier.payments")

router = Router(__name__, schemas=("chalicelib.services.models_out",))
bp = router.bp

PDF = "application/pdf"
FEE_RECEIPT = "Biên lai phí, lệ phí đã nộp cho hồ sơ"


def install(app: Chalice) -> None:
    app.register_blueprint(bp)


def _client_ip(request: Request) -> str:
    ctx = request.context or {}
    ip = (ctx.get("identity") or {}).get("sourceIp") or "127.0.0.1"
    return str(ip)


@router.route(
    "/api/my/dossiers/{dossier_id}/payments",
    "POST",
    summary="Tạo giao dịch thanh toán trực tuyến phí, lệ phí (trả về đường dẫn cổng thanh toán)",
    action="payment.my.pay",
    out="PaymentCreated",
    status=201,
)
def create_payment(dossier_id: str, who: Caller, request: Request) -> dict[str, Any]:
    out: dict[str, Any] = payments.create_payment(deps(), who, dossier_id, _client_ip(request))
    return out


@router.route(
    "/api/my/dossiers/{dossier_id}/payments",
    "GET",
    summary="Các lần thanh toán của hồ sơ",
    action="payment.my.read",
    out="Payments",
)
def list_payments(dossier_id: str, who: Caller) -> dict[str, Any]:
    return {"items": payments.list_payments(deps(), who, dossier_id)}


@router.route(
    "/api/my/dossiers/{dossier_id}/payments/{payment_id}/receipt.pdf",
    "GET",
    summary="Biên lai thu phí, lệ phí (PDF)",
    action="payment.my.read",
    media=(PDF,),
)
def payment_receipt(dossier_id: str, payment_id: str, who: Caller) -> Response:
    return _pdf(payment_id, payments.receipt_pdf(deps(), who, dossier_id, payment_id))


def _pdf(name: str, data: bytes) -> Response:
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": PDF,
            "Content-Disposition": f'inline; filename="bien-lai-{name}.pdf"',
        },
    )


@router.route(
    "/api/my/dossiers/{dossier_id}/fee-receipt.pdf",
    "GET",
    summary=f"{FEE_RECEIPT} (tại một cửa hoặc trực tuyến)",
    action="payment.my.read",
    media=(PDF,),
)
def my_fee_receipt(dossier_id: str, who: Caller) -> Response:
    return _pdf(*payments.fee_receipt_pdf(deps(), who, dossier_id))


@router.route(
    "/api/desk/dossiers/{dossier_id}/fee-receipt.pdf",
    "GET",
    summary=f"{FEE_RECEIPT} (một cửa)",
    action="dossier.desk.read",
    media=(PDF,),
)
def desk_fee_receipt(dossier_id: str, who: Caller) -> Response:
    return _pdf(*payments.fee_receipt_pdf(deps(), who, dossier_id))


@router.route(
    "/api/payments/vnpay/return",
    "GET",
    summary="Trình duyệt trở về từ cổng thanh toán (kiểm tra chữ ký, chuyển về trang hồ sơ)",
    action="payment.vnpay.callback",
    status=302,
    media=(),
)
def vnpay_return(request: Request) -> Response:
    dossier_id, outcome = payments.handle_return(deps(), dict(request.query_params or {}))
    base = deps().settings.public_base_url.rstrip("/")
    target = f"{base}/#/my/{dossier_id}?payment={outcome}" if dossier_id else f"{base}/#/my"
    return Response(body="", status_code=302, headers={"Location": target})


@router.route(
    "/api/payments/vnpay/ipn",
    "GET",
    summary=("Thông báo kết quả thanh toán từ cổng (IPN, máy chủ gọi máy chủ; chữ ký HMAC-SHA512)"),
    action="payment.vnpay.callback",
    out="VnpayAck",
)
def vnpay_ipn(request: Request) -> dict[str, Any]:
    try:
        answer: dict[str, Any] = payments.handle_ipn(deps(), dict(request.query_params or {}))
    except Exception:  # VNPay expects a JSON answer whatever happens; it retries on 99
        import logging

        logging.getLogger(__name__).exception("vnpay ipn failed")
        answer = {"RspCode": "99", "Message": "Unknown error"}
    return answer


@router.route(
    "/sim/vnpay/pay",
    "GET",
    summary="Cổng thanh toán mô phỏng (chỉ bật ở môi trường chạy thử)",
    action="payment.vnpay.simulator",
    media=("text/html",),
)
def vnpay_simulator(request: Request) -> Response:
    settings = deps().settings
    if not settings.vnpay_simulator:
        from chalicelib.domain.errors import NotFound

        raise NotFound("Không tìm thấy.", "Not found.")
    from chalicelib.integrations import vnpay_sim

    params = dict(request.query_params or {})
    gateway = payments.provider(deps())
    valid = gateway.verify(params) and params.get("vnp_TmnCode") == gateway.tmn_code
    action = params.get("sim_action")
    if not valid or action not in ("pay", "cancel"):
        home = f"{settings.public_base_url.rstrip('/')}/#/my"
        return Response(
            body=vnpay_sim.page(params, valid=valid, home=home),
            status_code=200 if valid else 400,
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
    request_params = {k: v for k, v in params.items() if k != "sim_action"}
    result = vnpay_sim.result_params(
        request_params, gateway.hash_secret, paid=action == "pay", at=deps().clock()
    )
    # The gateway calls the IPN first (server to server), then sends the browser back. In process:
    # `chalice local` serves one request at a time, so an HTTP call to ourselves would deadlock.
    payments.handle_ipn(deps(), result)
    return Response(
        body="",
        status_code=302,
        headers={"Location": vnpay_sim.return_location(request_params, result)},
    )
