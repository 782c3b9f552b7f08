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
`install(app)` registers the blueprint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.api.context import caller, deps, query, request
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalice import Chalice

    from chalicelib.domain.actors import Actor

payments = LazyModule("chalicelib.services.payments")

bp = Blueprint(__name__)


def install(app: Chalice) -> None:
    app.register_blueprint(bp)


def _citizen() -> Actor:
    from chalicelib.api.auth import require_role

    return require_role(caller(), "citizen")


def _client_ip() -> str:
    ctx = request().context or {}
    ip = (ctx.get("identity") or {}).get("sourceIp") or "127.0.0.1"
    return str(ip)


@bp.route("/api/my/dossiers/{dossier_id}/payments", methods=["POST"])
def create_payment(dossier_id: str) -> Response:
    out = payments.create_payment(deps(), _citizen(), dossier_id, _client_ip())
    return json_response(out, status=201)


@bp.route("/api/my/dossiers/{dossier_id}/payments", methods=["GET"])
def list_payments(dossier_id: str) -> Response:
    return json_response({"items": payments.list_payments(deps(), _citizen(), dossier_id)})


@bp.route("/api/my/dossiers/{dossier_id}/payments/{payment_id}/receipt.pdf", methods=["GET"])
def payment_receipt(dossier_id: str, payment_id: str) -> Response:
    return _pdf(payment_id, payments.receipt_pdf(deps(), _citizen(), dossier_id, payment_id))


def _pdf(name: str, data: bytes) -> Response:
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="bien-lai-{name}.pdf"',
        },
    )


@bp.route("/api/my/dossiers/{dossier_id}/fee-receipt.pdf", methods=["GET"])
def my_fee_receipt(dossier_id: str) -> Response:
    return _pdf(*payments.fee_receipt_pdf(deps(), _citizen(), dossier_id))


@bp.route("/api/desk/dossiers/{dossier_id}/fee-receipt.pdf", methods=["GET"])
def desk_fee_receipt(dossier_id: str) -> Response:
    from chalicelib.api.auth import require_role

    return _pdf(
        *payments.fee_receipt_pdf(deps(), require_role(caller(), "desk", "admin"), dossier_id)
    )


@bp.route("/api/payments/vnpay/return", methods=["GET"])
def vnpay_return() -> Response:
    dossier_id, outcome = payments.handle_return(deps(), query())
    base = deps().settings.public_base_url.rstrip("/")
    target = f"{base}/#/my/{dossier_id}?payment={outcome}" if dossier_id else f"{base}/#/my"
    return Response(body="", status_code=302, headers={"Location": target})


@bp.route("/api/payments/vnpay/ipn", methods=["GET"])
def vnpay_ipn() -> Response:
    try:
        answer = payments.handle_ipn(deps(), query())
    except Exception:  # VNPay expects a JSON answer whatever happens; it retries on 99
        import logging

        logging.getLogger(__name__).exception("vnpay ipn failed")
        answer = {"RspCode": "99", "Message": "Unknown error"}
    return json_response(answer)


@bp.route("/sim/vnpay/pay", methods=["GET"])
def vnpay_simulator() -> Response:
    settings = deps().settings
    if not settings.vnpay_simulator:
        from chalicelib.domain.errors import NotFound

        raise NotFound("Không tìm thấy.", "Not found.")
    from chalicelib.integrations import vnpay_sim

    params = query()
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
