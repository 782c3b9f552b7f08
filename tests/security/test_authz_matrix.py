"""The authorization matrix: every operation x every caller x every ownership relation.

GIVEN one stack with two of everything (`tests/support/world.py`: "own" = congdan's dossier at
the H33.50 desk and agency H33.03, "other" = congdan2's at H33.30.50 and H33.30) WHEN each caller
calls each operation on each relation, with a body valid enough to pass parsing (so a 400 cannot
hide a hole) THEN the outcome is the one the table says: `ok` (2xx, or a domain 400/409 that proves
the caller got through), 401, 403 or 404. Another person's (or another unit's) record is 404, as
docs/design.md says ("existence is not disclosed"), and that 404 is byte-identical to the answer
for an id that does not exist.

Callers: anon, citizen (congdan), desk (motcua, H33.50), agency (sokhdt, H33.03), leader
(lanhdaosokhdt, H33.03), province (vanphong), admin (quantri), key (an agency key of H33.03, SigV4).
Relations: `own` is "own" for a citizen and "my agency's/unit's" for staff and the key; `other` is
"another citizen's" / "another agency's". Rows without an owned record have one cell per caller.

Every route of the app must have a row (`test_every_operation_is_classified`), so a new route
cannot ship unclassified. Every route declares its contract (chalicelib/api/routing.py) and gets
its row from the permission table (`from_table`): who is admitted, and whether the admitted see only
their own (`ok/404`), come from `chalicelib.domain.permissions.PERMISSIONS`; the row may only add
what the test world makes of an admitted caller (`world="desk=404"`: the world's "own" record is
not the desk's), never admit a caller the table refuses. Cells that change state run in table
order; destructive account operations (lock, erasure) run last.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.client import ApiClient, Reply
from tests.support.samples import FORM_EXAMPLES
from tests.support.signing import signed_call
from tests.support.world import BREACH, VN, World, build_world

pytestmark = pytest.mark.integration

CALLERS: dict[str, str | None] = {
    "anon": None,
    "citizen": "congdan",
    "desk": "motcua",
    "agency": "sokhdt",
    "leader": "lanhdaosokhdt",
    "province": "vanphong",
    "admin": "quantri",
    "key": None,
}
PEOPLE = ("citizen", "desk", "agency", "leader", "province", "admin")
UNIT = {"desk": "H33.50", "agency": "H33.03", "leader": "H33.03", "province": "H33.01"}
OTHER_UNIT = "H33.30.50"
# Path parameters that name an owned record: the row gets an `own` and an `other` cell.
OWNED = {"dossier_id", "feedback_id", "request_id", "change_id", "report_id", "unit", "step_id"}


# ---- the table --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, str]  # caller -> "ok" | "401" | "403" | "404" | "<own>/<other>"
    body: Any = None
    raw: bytes | None = None  # a non-JSON body (PDF, image)
    content_type: str | None = None
    query: str = ""
    on: str = "live"  # which dossier pair fills {dossier_id}: live | draft
    may404: bool = False  # an allowed caller may meet a 404 for a sub-resource that is absent
    note: str = ""
    action: str = ""  # the permission the row was generated from (`from_table`)


def expected_from(action: str) -> dict[str, str]:
    """Per-caller expectations from the permission table alone."""
    from chalicelib.domain.permissions import Auth, Scope, permission

    perm = permission(action)
    if perm.auth is Auth.NONE:
        return dict.fromkeys(CALLERS, "ok")

    def admitted(role: str) -> str:
        if role not in perm.roles:
            return "403"
        scoped = perm.scope is not Scope.ANY and role not in perm.everywhere
        return "ok/404" if scoped else "ok"

    people = {who: admitted(who) for who in PEOPLE}
    if perm.auth is Auth.OPTIONAL:  # anyone; a sent Authorization that is not a token is 401
        return {**people, "anon": "ok", "key": "401"}
    if perm.auth is Auth.SIGV4:
        return {**dict.fromkeys(CALLERS, "401"), "key": admitted("agency")}
    if perm.auth is Auth.PORTAL:  # signed by the national portal only: no caller here signs so
        return dict.fromkeys(CALLERS, "401")
    return {**people, "anon": "401", "key": "401"}


def from_table(method: str, path: str, world: str = "", **kw: Any) -> Row:
    """The row of a route with a contract: expectations from its action's permission; `world`
    ("desk=404 leader=403/404") says what the test world makes of callers the table admits."""
    import app  # noqa: F401  (registers every route's contract)
    from chalicelib.api.routing import CONTRACTS

    action = CONTRACTS[(method, path)].action
    expect = expected_from(action)
    for part in world.split():
        who, _, what = part.partition("=")
        for w in who.split(","):
            assert expect[w] != "403" and expect[w] != "401", (
                f"{method} {path}: the table refuses {w}; a row cannot admit them"
            )
            expect[w] = what
    return Row(method, path, expect, action=action, **kw)


ALL_STAFF = "desk,agency,leader,province,admin"
ALL_CALLERS = ",".join(CALLERS)
MONTH = datetime.now(UTC).astimezone(VN).strftime("%Y-%m")
TOMORROW = (datetime.now(VN) + timedelta(days=30)).isoformat()
REASON = {"reason": "Lý do kiểm thử phân quyền"}
APPLICANT = {"name": "Lê Văn Cường", "id_number": "093090009999", "phone": "0911111111"}
NEW_DOSSIER = {"procedure_code": "2.001610", "applicant": APPLICANT, "form_data": {}}
DRAFT_EDIT = {**NEW_DOSSIER, "form_data": FORM_EXAMPLES["2.001610"]}  # the own draft's procedure
FEEDBACK = {"subject": "Góp ý", "content": "Nội dung góp ý kiểm thử phân quyền."}
UPLOAD = {
    "document_id": "giay-de-nghi",
    "filename": "a.pdf",
    "content_type": "application/pdf",
    "size": 100,
}
PDF_BYTES = b"%PDF-1.4\n%%EOF\n"
SIGNIN = {"username": "congdan2", "password": "Demo@2026"}
RATING = {
    "scores": {
        "overall": "satisfied",
        "time": "satisfied",
        "staff_attitude": "neutral",
        "publicity": "satisfied",
        "trips": 1,
        "online_service": "not_used",
    }
}

ROWS: list[Row] = [
    # ---- public: anyone, with or without credentials
    from_table("GET", "/openapi.json"),
    from_table("GET", "/api/config"),
    from_table("GET", "/api/maintenance"),
    from_table("GET", "/api/procedures"),
    from_table("GET", "/api/procedures/{code}"),
    from_table("GET", "/api/procedures/{code}/versions"),
    from_table("GET", "/api/units"),
    from_table("GET", "/api/lookup/{code}"),
    from_table("GET", "/api/lookup/{code}/qr.png"),
    from_table("GET", "/api/lookup/{code}/qr.svg"),
    from_table("GET", "/api/faq"),
    from_table("GET", "/api/faq/{faq_id}", may404=True, note="a draft FAQ is not public"),
    from_table("GET", "/api/qa"),
    from_table("GET", "/api/transparency"),
    from_table("GET", "/api/ratings/{code}", may404=True, note="needs the receipt's QR token"),
    from_table("POST", "/api/ratings/{code}", body=RATING, may404=True),
    from_table("GET", "/api/lookup/face"),
    from_table("POST", "/api/lookup/face", raw=b"\xff\xd8\xff", content_type="image/jpeg"),
    from_table("GET", "/api/verify/{result_id}", may404=True, note="no result signed in this run"),
    from_table("POST", "/api/verify/{result_id}",
               raw=PDF_BYTES,
               content_type="application/pdf",
               may404=True),
    from_table("POST", "/api/auth/signin", body=SIGNIN),
    from_table("POST", "/api/auth/vneid/start", body={}),
    from_table("POST", "/api/auth/vneid/callback", world=ALL_CALLERS + "=401",
               body={"code": "c", "state": "s" * 32}, note="no pending sign-in has this state"),
    from_table("POST", "/api/auth/signup",
               body={"username": "nguoimoi", "password": "Matkhau@2026",
                                             "email": "moi@example.com", "name": "Người mới"}),
    from_table("POST", "/api/auth/forgot-password", body={"username": "chuaco"},
               note="the same answer for an unknown account"),
    from_table("POST", "/api/auth/forgot-password/confirm",
               body={"username": "chuaco", "code": "123456", "password": "Matkhau@2026"},
               note="an unknown account is a wrong code"),
    from_table("GET", "/api/local/mailbox", query="?to=congdan", may404=True,
               note="the local stack's mailbox: 404 unless LOCAL_MAIL"),
    from_table("GET", "/api/payments/vnpay/return"),
    from_table("GET", "/api/payments/vnpay/ipn"),
    from_table("GET", "/sim/vnpay/pay", may404=True),
    # feedback: anyone may send; the sender (or the token holder) reads their own
    # (an Authorization header that is not a valid bearer token is refused, never ignored)
    from_table("POST", "/api/feedback", body=FEEDBACK),
    from_table("GET", "/api/feedback/{code}", world="anon," + ALL_STAFF + "=404 citizen=ok/404",
               note="the sender's own without the token; everyone else needs the token"),
    from_table("POST", "/api/feedback/{code}/info",
               world="anon," + ALL_STAFF + "=404 citizen=ok/404", body={"content": "Bổ sung"}),
    # ---- every signed-in person
    from_table("GET", "/api/me"),
    from_table("POST", "/api/me/profile", body={"address": "Phường V"}),
    # ---- citizen
    from_table("POST", "/api/my/dossiers", body=NEW_DOSSIER),
    from_table("GET", "/api/my/dossiers"),
    from_table("GET", "/api/my/dossiers/{dossier_id}"),
    from_table("GET", "/api/my/followed-dossiers"),
    from_table("GET", "/api/my/followed-dossiers/{dossier_id}",
               note="the owner, or a party of its representation (tests/integration/"
               "test_representation.py); another's is 404"),
    from_table("POST", "/api/my/dossiers/{dossier_id}", body=DRAFT_EDIT, on="draft"),
    from_table("POST", "/api/my/dossiers/{dossier_id}/uploads", body=UPLOAD, on="draft"),
    from_table("POST", "/api/my/dossiers/{dossier_id}/attachments/{attachment_id}/finalize",
               on="draft"),
    from_table("POST", "/api/my/dossiers/{dossier_id}/submit", on="draft"),
    from_table("GET", "/api/my/dossiers/{dossier_id}/receipt.pdf"),
    from_table("GET", "/api/my/dossiers/{dossier_id}/attachments/{attachment_id}/link"),
    from_table("GET", "/api/my/dossiers/{dossier_id}/attachments/{attachment_id}/link",
               on="draft", may404=True, note="the draft's paper is still pending"),
    from_table("GET", "/api/my/dossiers/{dossier_id}/forms/{name}", may404=True),
    from_table("GET", "/api/my/dossiers/{dossier_id}/result.pdf", may404=True),
    from_table("POST", "/api/my/dossiers/{dossier_id}/reuse",
               body={"my_document_id": "nope", "document_id": "giay-de-nghi"}, may404=True),
    from_table("GET", "/api/my/dossiers/{dossier_id}/rating"),
    from_table("POST", "/api/my/dossiers/{dossier_id}/rating", body=RATING),
    from_table("POST", "/api/my/dossiers/{dossier_id}/payments"),
    from_table("GET", "/api/my/dossiers/{dossier_id}/payments"),
    from_table("GET", "/api/my/dossiers/{dossier_id}/payments/{payment_id}/receipt.pdf",
               may404=True),
    from_table("GET", "/api/my/dossiers/{dossier_id}/fee-receipt.pdf", may404=True),
    from_table("GET", "/api/my/documents"),
    from_table("GET", "/api/my/access-log"),
    from_table("GET", "/api/my/consents"),
    from_table("POST", "/api/my/consents",
               body={"kind": "sms_notifications", "given": False, "text_version": "v1"}),
    from_table("POST", "/api/my/export"),
    from_table("GET", "/api/my/face"),
    from_table("POST", "/api/my/face", raw=b"\xff\xd8\xff", content_type="image/jpeg"),
    from_table("POST", "/api/my/face/withdraw"),
    from_table("DELETE", "/api/my/face"),
    from_table("GET", "/api/me/reminder-preferences"),
    from_table("PUT", "/api/me/reminder-preferences", body={"fee": True}),
    from_table("GET", "/api/my/feedback"),
    from_table("POST", "/api/my/feedback/{feedback_id}/rating", body={"satisfied": True}),
    from_table("POST", "/api/my/feedback/{feedback_id}/reopen", body=REASON),
    # ---- desk (its own desk's dossiers; the administrator everywhere)
    from_table("GET", "/api/desk/inbox"),
    from_table("POST", "/api/desk/dossiers", body=NEW_DOSSIER),
    from_table("GET", "/api/desk/dossiers/{dossier_id}"),
    # a citizen's unsubmitted online draft is theirs alone (design: staff see what was filed)
    from_table("GET", "/api/desk/dossiers/{dossier_id}", world="desk=404", on="draft"),
    from_table("POST", "/api/desk/dossiers/{dossier_id}", world="desk=404", body=DRAFT_EDIT,
               on="draft"),
    from_table("GET", "/api/agency/dossiers/{dossier_id}", world="agency=404 leader=404",
               on="draft"),
    from_table("GET", "/api/agency-api/dossiers/{dossier_id}", world="key=404", on="draft"),
    from_table("GET", "/api/staff/dossiers/{dossier_id}/forms/{name}",
               world="desk=404 agency=404 leader=404", on="draft"),
    # ...and its papers are opened by no staff role, the administrator included
    from_table("GET", "/api/staff/dossiers/{dossier_id}/attachments/{attachment_id}/link",
               world="desk=404 agency=404 leader=404 province=404 admin=404", on="draft"),
    # a citizen's online draft is not the desk's to see or edit (paper drafts are)
    from_table("POST", "/api/desk/dossiers/{dossier_id}/uploads", world="desk=404", body=UPLOAD,
               on="draft"),
    from_table("POST", "/api/desk/dossiers/{dossier_id}/attachments/{attachment_id}/finalize",
               world="desk=404", on="draft"),
    from_table("POST", "/api/desk/dossiers/{dossier_id}/accept"),
    from_table("POST", "/api/desk/dossiers/{dossier_id}/refuse", body=REASON),
    from_table("POST", "/api/desk/dossiers/{dossier_id}/supplement", body=REASON),
    from_table("POST", "/api/desk/dossiers/{dossier_id}/return", body={"channel": "online"}),
    from_table("POST", "/api/desk/dossiers/{dossier_id}/payments",
               body={"method": "cash", "receipt_no": "BL-1", "amount_vnd": 1000}),
    from_table("GET", "/api/desk/dossiers/{dossier_id}/receipt.pdf"),
    from_table("GET", "/api/desk/dossiers/{dossier_id}/result.pdf", may404=True),
    from_table("GET", "/api/desk/dossiers/{dossier_id}/fee-receipt.pdf", may404=True),
    # by the receipt's code: the staff of its desk or agencies (another unit's is 404)
    from_table("GET", "/api/staff/dossiers/by-code/{code}"),
    from_table("POST", "/api/staff/search/id-number", body={"id_number": "093090001234"}),
    # ---- agency staff (dossiers with a step of theirs), leaders, administrators
    from_table("GET", "/api/agency/tasks"),
    from_table("GET", "/api/agency/alerts", world="agency=ok leader=ok", query="?agency=H33.03"),
    from_table("GET", "/api/agency/dossiers/{dossier_id}"),
    from_table("GET", "/api/agency/dossiers/{dossier_id}/result.pdf", may404=True),
    from_table("POST", "/api/agency/dossiers/{dossier_id}/result/upload",
               body={"filename": "ket-qua.pdf"}),
    from_table("POST", "/api/agency/dossiers/{dossier_id}/result/finalize",
               body={"key": "results/none.pdf"}),
    from_table("POST", "/api/agency/dossiers/{dossier_id}/extension",
               body={"reason": "Cần thêm thời gian thẩm định", "new_appointment_at": TOMORROW}),
    from_table("POST", "/api/agency/procedure-changes",
           body={"kind": "repealed", "procedure_code": "2.001610", "legal_basis": "QĐ 1/2026",
                 "effective_date": "2099-01-01"}),
    from_table("GET", "/api/agency/procedure-changes"),
    from_table("GET", "/api/leader/pending"),
    from_table("GET", "/api/leader/notifications"),
    from_table("POST", "/api/leader/dossiers/{dossier_id}/extension/decision",
               body={"approve": False, "note": "Không"}),
    from_table("POST", "/api/leader/dossiers/{dossier_id}/stop/decision",
               body={"approve": False, "note": "Không"}),
    from_table("POST", "/api/staff/dossiers/{dossier_id}/exemptions",
               body={"reason": "Lỗi hệ thống", "evidence": "Phiếu hỗ trợ số 1"}),
    from_table("GET", "/api/staff/dossiers/{dossier_id}/forms/{name}", may404=True),
    from_table("GET", "/api/staff/dossiers/{dossier_id}/attachments/{attachment_id}/link"),
    from_table("GET", "/api/staff/register/{unit}/{name}",
               world="desk,agency,leader=ok/403",
               query="?month=" + MONTH, note="units are public: another unit's register is 403"),
    from_table("GET", "/api/staff/dossiers/{dossier_id}/support-requests"),
    # support requests: raised by staff, read by their unit, handled by IT (admin)
    # (the world's support requests are raised by agency H33.03's officer: not the desk's unit;
    # the leader of that agency sees them but did not raise them)
    from_table("POST", "/api/staff/support", body={"error_seen": "Màn hình trắng"}),
    from_table("GET", "/api/staff/support"),
    from_table("GET", "/api/staff/support/{request_id}", world="desk=404"),
    from_table("POST", "/api/staff/support/{request_id}/screenshot", world="desk=404 "
               "leader=403/404", body={"filename": "a.png", "content_type": "image/png",
                                       "size": 10}),
    from_table("POST", "/api/staff/support/{request_id}/screenshot/finalize", world="desk=404"),
    from_table("GET", "/api/staff/support/{request_id}/screenshot", world="desk=404",
               may404=True),
    from_table("GET", "/api/admin/support"),
    from_table("POST", "/api/admin/support/{request_id}/triage", body={"priority": "normal"}),
    from_table("POST", "/api/admin/support/{request_id}/answer", body={"answer": "Đã xử lý"}),
    from_table("POST", "/api/admin/support/{request_id}/close"),
    # feedback handling: the unit's staff, the province office reads and routes, admin all
    from_table("POST", "/api/staff/feedback",
               body={**FEEDBACK, "channel": "phone", "agency": "H33.03"}),
    from_table("GET", "/api/staff/feedback"),
    from_table("GET", "/api/staff/feedback/{feedback_id}", world="desk=404"),
    # handling: the province office handles only feedback addressed to itself; the world's are
    # agencies', which it may read and route but not handle (the service's 403, not 404)
    *(
        from_table("POST", f"/api/staff/feedback/{{feedback_id}}/{action}",
                   world="desk=404 province=403/403", body=body)
        for action, body in (
            ("accept", None),
            ("request-info", {"question": "Đề nghị cung cấp thêm"}),
            ("answer", {"answer": "Đã trả lời đầy đủ nội dung"}),
            ("publish", None),
            ("refuse", REASON),
        )
    ),
    from_table("POST", "/api/staff/feedback/{feedback_id}/route", body={"agency": "H33.02"}),
    # ---- reports and dashboards: the unit's own, or all for the province office and admin
    from_table("POST", "/api/reports", world="leader=ok", body={"from": MONTH, "to": MONTH}),
    from_table("GET", "/api/reports", world="leader=ok"),
    from_table("GET", "/api/reports/{report_id}"),
    from_table("GET", "/api/reports/{report_id}/{name}"),
    from_table("GET", "/api/dashboard", world="agency=ok leader=ok"),
    from_table("GET", "/api/dashboard/drill", world="agency=ok leader=ok", may404=True),
    # ---- province office
    from_table("GET", "/api/province/procedure-changes"),
    from_table("POST", "/api/province/procedure-changes/{change_id}/reject",
           body=REASON),
    from_table("POST", "/api/province/procedure-changes/{change_id}/publish"),
    from_table("GET", "/api/province/faq"),
    from_table("POST", "/api/province/faq",
               body={"question": "Câu hỏi mới?", "answer": "Trả lời mới.", "field": "Chung"}),
    from_table("POST", "/api/province/faq/{faq_id}", body={"answer": "Trả lời đã sửa."}),
    from_table("POST", "/api/province/faq/{faq_id}/publish"),
    from_table("POST", "/api/province/faq/{faq_id}/retire"),
    from_table("POST", "/api/province/faq/{faq_id}/draft"),
    # ---- administrators
    from_table("GET", "/api/admin/audit/dossiers/{dossier_id}"),
    from_table("GET", "/api/admin/audit/dossiers/{dossier_id}/verify"),
    from_table("GET", "/api/admin/audit/verify"),
    from_table("POST", "/api/admin/dossiers/{dossier_id}/exemptions/{exemption_id}/decision",
               body={"approve": False}, may404=True),
    from_table("POST", "/api/admin/agency-keys", body={"agency": "H33.02"}),
    from_table("GET", "/api/admin/agency-keys"),
    from_table("GET", "/api/admin/agency-keys/{key_id}"),
    from_table("POST", "/api/admin/agency-keys/{key_id}/rotate"),
    from_table("POST", "/api/admin/agency-keys/{key_id}/revoke"),
    from_table("GET", "/api/admin/breaches"),
    from_table("POST", "/api/admin/breaches", body=BREACH),
    from_table("GET", "/api/admin/breaches/{breach_id}"),
    from_table("POST", "/api/admin/breaches/{breach_id}/reported", body={"reference": "CV-1"}),
    from_table("GET", "/api/admin/accounts/{username}"),
    from_table("POST", "/api/admin/accounts/{username}/enable"),
    # the administration console (units, staff accounts, calendar, procedure editor)
    from_table("GET", "/api/admin/units"),
    from_table("POST", "/api/admin/units",
               body={"code": "H33.99", "name": "Đơn vị thử", "parent": "H33", "kind": "other"}),
    from_table("POST", "/api/admin/units/{code}", body={"version": 0, "name": "Đơn vị"}),
    from_table("POST", "/api/admin/units/{code}/delete", body={"version": 0}),
    from_table("GET", "/api/admin/users"),
    from_table("POST", "/api/admin/users",
               body={"username": "canbothu", "name": "Cán bộ thử", "email": "cb@example.com",
                 "role": "desk", "unit": "H33.50"}),
    from_table("POST", "/api/admin/users/{username}", body={"name": "Cán bộ"}, may404=True),
    from_table("POST", "/api/admin/users/{username}/disable", may404=True),
    from_table("GET", "/api/admin/calendar"),
    from_table("POST", "/api/admin/calendar",
               body={"action": "add", "kind": "closure", "date": "2099-01-02", "reason": "Thử"}),
    from_table("GET", "/api/admin/maintenance"),
    from_table("POST", "/api/admin/maintenance",
               body={"starts_at": "2099-01-02T22:00+07:00", "ends_at": "2099-01-03T01:00+07:00",
                 "reason": "Thử"}),
    from_table("POST", "/api/admin/maintenance/{window_id}/cancel", body={"version": 1},
               may404=True),
    from_table("GET", "/api/admin/certificates"),
    from_table("POST", "/api/admin/certificates",
               body={"kind": "agency", "holder": "H33.99", "key_id": "khongco",
                 "cert_pem": "khong phai PEM"}),
    from_table("POST", "/api/admin/certificates/{kind}/{holder}/revoke", body={"reason": "Thử"},
               may404=True),
    from_table("GET", "/api/admin/procedures"),
    from_table("GET", "/api/admin/procedures/{code}/changes"),
    from_table("POST", "/api/admin/procedure-changes",
               body={"kind": "repealed", "procedure_code": "2.000635", "legal_basis": "QĐ 2/2026",
                 "effective_date": "2099-01-01"}),
    from_table("GET", "/api/ops/portal-sync"),
    from_table("POST", "/api/ops/portal-sync/redrive"),
    from_table("GET", "/api/ops/portal-sync/reconciliation", may404=True,
               note="404 until the first daily reconciliation"),
    # the national portal's push: signed by the portal (HMAC, Auth.PORTAL), never by a token or
    # a key
    from_table("POST", "/api/portal/dvcqg/hoso", body={"MaHoSoQuocGia": "G22.AUTHZ.1"},
               note="no X-DVCQG-Signature: 401 bad_signature for everyone"),
    from_table("POST", "/api/ops/dossiers/{dossier_id}/workflow/restart",
           body={"note": "Khởi động lại để kiểm thử phân quyền"},
           note="the live dossier's workflow has not failed: the admin meets 409"),
    # ---- agencies' systems (SigV4): the key's own agency only
    from_table("GET", "/api/agency-api/whoami"),
    from_table("GET", "/api/agency-api/tasks"),
    from_table("GET", "/api/agency-api/dossiers/{dossier_id}"),
    from_table("POST", "/api/agency-api/dossiers/{dossier_id}/result/upload",
               body={"filename": "ket-qua.pdf"}),
    from_table("POST", "/api/agency-api/dossiers/{dossier_id}/result/finalize",
               body={"key": "results/none.pdf"}),
    from_table("POST", "/api/agency-api/dossiers/{dossier_id}/steps/{step_id}/complete",
               body={"outcome": "return", "note": "Trả lại để kiểm thử"}),
    # ---- state-changing steps and account-level actions last, in this order
    from_table("POST", "/api/agency/dossiers/{dossier_id}/steps/{step_id}/complete",
               body={"outcome": "return", "note": "Trả lại"}),
    from_table("DELETE", "/api/my/dossiers/{dossier_id}", on="draft",
               note="deletes the own draft: after every other row that uses it"),
    from_table("POST", "/api/my/dossiers/{dossier_id}/withdraw"),
    from_table("POST", "/api/desk/dossiers/{dossier_id}/withdraw"),
    from_table("POST", "/api/my/erasure", body={"confirm": True}),
    from_table("POST", "/api/me/compromised", body={"note": "Kiểm thử"}),
]  # fmt: skip


# ---- running a cell ---------------------------------------------------------------------------
@dataclass
class Matrix:
    api: ApiClient
    world: World
    # (operation, caller, relation, expected, got)
    cells: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def fill(self, row: Row, who: str, rel: str) -> str:
        w = self.world
        pair = w.draft if row.on == "draft" else w.live
        other = "other" if rel == "other" else "own"
        unit = UNIT.get(who, "H33.50")
        values: dict[str, Callable[[], str]] = {
            "dossier_id": lambda: str(pair[other]["id"]),
            "step_id": lambda: w.step[other],
            "attachment_id": lambda: (w.attachment if row.on == "draft" else w.paper)[other],
            "feedback_id": lambda: str(w.feedback[other]["id"]),
            "request_id": lambda: w.support[other],
            "change_id": lambda: w.change[other],
            "report_id": lambda: w.report[other],
            "unit": lambda: OTHER_UNIT if other == "other" else unit,
            "faq_id": lambda: w.faq_id,
            "breach_id": lambda: w.breach_id,
            "key_id": lambda: str(w.spare_key["access_key_id"]),
            "username": lambda: "khongco" if "/users/" in path else "congdan2",
            "payment_id": lambda: "khongco",
            "exemption_id": lambda: "khongco",
            "result_id": lambda: "khongco",
            "window_id": lambda: "khongco",
            "kind": lambda: "agency",
            "holder": lambda: "H33.99",
        }
        path = row.path
        if "/feedback/{code}" in path:
            values["code"] = lambda: str(w.feedback[other]["code"])
        elif "/procedures/{code}" in path:
            values["code"] = lambda: "2.001610"
        elif "/units/{code}" in path:
            values["code"] = lambda: "H33.99"
        elif "/by-code/" in path:
            values["code"] = lambda: str(w.live[other]["code"]).lower()  # as a person types it
        else:
            values["code"] = lambda: str(w.live["own"]["code"])
        if path.endswith("/forms/{name}"):
            values["name"] = lambda: "02.html"
        elif "/register/" in path:
            values["name"] = lambda: "register.html"
        elif "/reports/" in path:
            values["name"] = lambda: "report.xlsx"
        for param in re.findall(r"{(\w+)}", path):
            path = path.replace("{" + param + "}", values[param]())
        return path + row.query

    def send(self, row: Row, who: str, path: str) -> Reply:
        if who == "key":
            headers = {"x-nonce": uuid.uuid4().hex}  # two identical cells are not a replay
            if row.content_type:
                headers["content-type"] = row.content_type
            return signed_call(
                self.api, self.world.key, row.method, path, row.body, raw=row.raw, headers=headers
            )[0]
        username = CALLERS[who]
        client = self.api.as_user(username) if username else self.api.anonymous()
        headers = {"Content-Type": row.content_type} if row.content_type else {}
        if row.method == "GET":
            return client.get(path, headers=headers)
        if row.raw is not None:
            h = client._headers({**headers, "Idempotency-Key": uuid.uuid4().hex})
            r = client.client.http.request(row.method, path, headers=h, body=row.raw)
            return Reply(r.status_code, dict(r.headers), r.body)
        if row.method == "DELETE":
            return client.delete(path, headers=headers)
        if row.method == "PUT":
            return client.put(path, row.body, headers=headers)
        return client.post(path, row.body, headers=headers)

    def run(self, row: Row) -> None:
        owned = bool(OWNED & set(re.findall(r"{(\w+)}", row.path))) or any(
            "/" in spec for spec in row.expect.values()
        )
        for who in CALLERS:
            spec = row.expect[who]
            own_exp, _, other_exp = spec.partition("/")
            for rel, exp in (("own", own_exp), ("other", other_exp or own_exp)):
                if rel == "other" and (not owned or (not other_exp and exp in ("401", "403"))):
                    continue  # refused before any record is read: one cell says it
                path = self.fill(row, who, rel)
                reply = self.send(row, who, path)
                got = outcome(reply, row.may404 and exp == "ok")
                op = f"{row.method} {row.path}" + (" [draft]" if row.on == "draft" else "")
                self.cells.append((op, who, rel if owned else "-", exp, got))
                if got != exp:
                    self.failures.append(
                        f"{op} as {who} ({rel}): expected {exp}, got {reply.status_code} "
                        f"{reply.text[:160]}"
                    )
                elif exp == "404" and "{dossier_id}" in row.path and row.method == "GET":
                    self.same_as_missing(row, who, reply)

    def same_as_missing(self, row: Row, who: str, reply: Reply) -> None:
        """A refused dossier answers exactly like one that does not exist."""
        ghost = self.fill(row, who, "own").replace(
            str((self.world.draft if row.on == "draft" else self.world.live)["own"]["id"]),
            "0" * 32,
        )
        missing = self.send(row, who, ghost)
        if (missing.status_code, missing.body) != (reply.status_code, reply.body):
            self.failures.append(
                f"{row.method} {row.path} as {who}: a refused dossier ({reply.text[:80]}) is "
                f"distinguishable from a missing one ({missing.status_code} {missing.text[:80]})"
            )


def outcome(reply: Reply, allowed_404: bool) -> str:
    """ok | 401 | 403 | 404 | 5xx: what the caller got."""
    s = reply.status_code
    if s >= 500:
        return f"5xx({s})"
    if s in (401, 403):
        return str(s)
    if s == 404 and not allowed_404:
        return "404"
    body = _jsonable(reply)
    if s == 400 and isinstance(body, dict):
        if body.get("code") in ("missing_idempotency_key", "invalid_json") or body.get("errors"):
            return f"400({body['code']})"  # parsing refused the body: the cell proved nothing
    return "ok"


def render(cells: list[tuple[str, str, str, str, str]]) -> str:
    """A compact matrix: one line per operation, `who:expected>got` for the wrong cells."""
    by_op: dict[str, list[str]] = {}
    for op, who, rel, exp, got in cells:
        mark = "." if exp == got else f"[{who}{'' if rel == '-' else ':' + rel} {exp}>{got}]"
        by_op.setdefault(op, []).append(mark)
    return "\n".join(f"{''.join(m):<24} {op}" for op, m in by_op.items())


# ---- fixtures and tests -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(sec_api: ApiClient, sec_aws: Any) -> World:
    from tests.support.aws import AwsView

    return build_world(sec_api, AwsView(sec_aws))


def app_operations() -> set[tuple[str, str]]:
    from app import app
    from chalicelib.api.openapi import all_operations

    routes = {(m, p) for p, methods in app.routes.items() for m in methods}
    return routes | set(all_operations())


def test_every_operation_is_classified() -> None:
    from chalicelib.api.routing import CONTRACTS

    rows = {(r.method, r.path) for r in ROWS}
    assert len({(r.method, r.path, r.on) for r in ROWS}) == len(ROWS), "a duplicate row"
    missing = sorted(app_operations() - rows)
    assert not missing, f"operations without a row in the authorization matrix: {missing}"
    hand_written = sorted(
        f"{r.method} {r.path}" for r in ROWS if (r.method, r.path) in CONTRACTS and not r.action
    )
    assert not hand_written, f"routes with a contract take their row from_table: {hand_written}"


def test_generated_rows_follow_the_permission_table() -> None:
    """A generated row refuses exactly whom the table refuses (the world may only narrow)."""
    from chalicelib.domain.permissions import permission

    generated = [r for r in ROWS if r.action]
    assert generated
    for row in generated:
        perm = permission(row.action)
        for who in PEOPLE:
            refused = row.expect[who] == "403"
            assert refused == (perm.auth.value == "bearer" and who not in perm.roles), (
                row.path,
                who,
            )


# ---- tokens: through the real app, not only the verifier (tests/unit/test_auth.py has those) --
def moto_private_key() -> Any:
    """The RSA key moto signs its Cognito tokens with (kid "dummy"), to build test tokens."""
    import gzip
    from importlib import resources

    import jwt

    raw = (resources.files("moto") / "cognitoidp/resources/jwks-private.json.gz").read_bytes()
    jwk = json.loads(gzip.decompress(raw))  # one JWK with its private part
    return jwt.PyJWK.from_dict(jwk).key, jwk.get("kid", "dummy")


def forged(real: str, *, key: Any = None, alg: str = "RS256", **claims: Any) -> str:
    """`real`'s claims with `claims` changed, signed with moto's key (or `key`) by PyJWT."""
    import jwt

    body = {**jwt.decode(real, options={"verify_signature": False}), **claims}
    moto_key, kid = moto_private_key()
    if alg == "none":
        return jwt.encode(body, "", algorithm="none", headers={"kid": kid})
    return jwt.encode(body, key or moto_key, algorithm=alg, headers={"kid": kid})


def test_tokens_that_must_not_open_the_api(sec_api: ApiClient) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    token = sec_api.as_user("congdan2").token
    assert token
    import jwt

    claims = jwt.decode(token, options={"verify_signature": False})
    now = int(datetime.now(UTC).timestamp())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = {
        "control: re-signed, unchanged": (forged(token), 200, None),
        "expired an hour ago": (forged(token, exp=now - 3600, iat=now - 7200), 401,
                                "token_expired"),
        "signed by another key, same kid": (forged(token, key=stranger), 401, "token_invalid"),
        "another user pool (issuer)": (
            forged(token, iss=claims["iss"].rsplit("/", 1)[0] + "/ap-southeast-1_Khac"),
            401, "token_issuer"),
        "another app client (audience)": (forged(token, aud="khac"), 401, "token_audience"),
        "alg none": (forged(token, alg="none"), 401, "token_invalid"),
        "HS256 (a shared secret instead of the pool's key)": (
            forged(token, key=b"dummy-secret-material-32-bytes!!", alg="HS256"), 401,
            "token_invalid"),
        "an access token": (forged(token, token_use="access"), 401, "token_use"),
        "someone else's sub": (forged(token, sub=str(uuid.uuid4())), 200, None),
    }  # fmt: skip
    for name, (bad, status, code) in cases.items():
        r = ApiClient(sec_api.client, sec_api.accounts, bad).get("/api/my/dossiers")
        assert r.status_code == status, (name, r.text)
        if code:
            assert r.json()["code"] == code, (name, r.text)
            assert bad not in r.text
    # a validly signed token for an unknown person is a citizen with nothing: not congdan2's data
    ghost = ApiClient(sec_api.client, sec_api.accounts, cases["someone else's sub"][0])
    assert ghost.get("/api/my/dossiers").json()["items"] == []


def test_sigv4_signed_for_one_request_cannot_be_reused_for_another(
    sec_api: ApiClient, world: World
) -> None:
    """test_agency_api.py covers wrong secret, stale date, replay and revocation; here: moving a
    signature to another path or method, and a bearer token on the signed API."""
    key = world.key
    _, headers = signed_call(sec_api, key, "GET", "/api/agency-api/whoami")
    moved = sec_api.client.http.request("GET", "/api/agency-api/tasks", headers=headers, body=b"")
    assert moved.status_code == 401, moved.body
    assert json.loads(moved.body)["code"] == "signature_mismatch"
    bearer_on_signed = sec_api.as_user("sokhdt").get("/api/agency-api/tasks")
    assert bearer_on_signed.status_code == 401
    other_agency, _ = signed_call(
        sec_api, world.other_key, "GET", f"/api/agency-api/dossiers/{world.live['own']['id']}"
    )
    assert other_agency.status_code == 404


# ---- guessing ids and codes -----------------------------------------------------------------
def _neighbour(code: str, delta: int) -> str:
    head, _, seq = code.rpartition("-")
    return f"{head}-{int(seq) + delta:0{len(seq)}d}"


def test_guessed_ids_and_codes_are_indistinguishable_from_missing_ones(
    sec_api: ApiClient, world: World
) -> None:
    """Dossier ids are random (uuid4), so nothing to increment; codes are sequential per desk per
    day, so every by-code route that is not public answers a neighbour exactly like a code that
    was never issued."""
    own, other = world.live["own"], world.live["other"]
    for d in (own, other, world.draft["own"]):
        assert uuid.UUID(d["id"]).version == 4
    intruder = sec_api.as_user("congdan2")
    never = _neighbour(own["code"], 9000)
    for path in ("/api/ratings/{c}", "/api/feedback/{c}"):
        code_of = (
            (lambda c: c)
            if "ratings" in path
            else (lambda c: str(world.feedback["own"]["code"]) if c == own["code"] else c + "9")
        )
        real = intruder.get(path.format(c=code_of(own["code"])))
        missing = intruder.get(path.format(c=code_of(never)))
        assert real.status_code == 404, (path, real.text)
        assert (real.status_code, real.body) == (missing.status_code, missing.body), path
    # neighbouring dossier ids: flip the last hex digit of the other citizen's id
    theirs = str(other["id"])
    for guess in (theirs, theirs[:-1] + ("0" if theirs[-1] != "0" else "1")):
        r = sec_api.as_user("congdan").get(f"/api/my/dossiers/{guess}")
        assert r.status_code == 404
        assert r.json() == {"code": "not_found", "message": "Không tìm thấy hồ sơ.",
                            "message_en": "Dossier not found.", "field": "id"}  # fmt: skip


# ---- authorization is decided before the body is parsed --------------------------------------
# Routes that parse first: a refused caller with a malformed body sees 400 instead of 403. The
# 400 describes only the caller's own input (the same for every record id, existing or not), so
# it discloses nothing; listed so that a new one is a decision, not an accident.
PARSES_FIRST = {("POST", "/api/reports"): "the report's `agency` decides the scope check"}


def test_refused_callers_learn_nothing_from_a_malformed_body(
    sec_api: ApiClient, world: World
) -> None:
    citizen = sec_api.as_user("congdan")
    matrix = Matrix(sec_api, world)
    wrong = []
    for row in ROWS:
        if row.method != "POST" or row.body is None or row.expect["citizen"] != "403":
            continue
        r = citizen.post(matrix.fill(row, "citizen", "own"), {"bogus": True})
        if r.status_code != 403 and (row.method, row.path) not in PARSES_FIRST:
            wrong.append(f"{row.path}: {r.status_code} {r.text[:100]}")
    assert not wrong, "parsed before authorizing:\n" + "\n".join(wrong)


# ---- public pages leak no personal data ------------------------------------------------------
# a run of digits standing alone (hex digests and uuids contain digit runs too)
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{9}(?:\d{3})?(?![0-9A-Za-z])")  # CMND 9 / CCCD 12
PHONE = re.compile(r"(?:\+84|(?<![0-9A-Za-z])0)(?:[\s.-]?\d){9,10}(?![0-9A-Za-z])")
EMAIL = re.compile(r"[^\s@\"]+@[^\s@\"]+\.[a-z]{2,}", re.IGNORECASE)


def assert_no_personal_data(payload: Any, applicants: list[dict[str, str]], where: str) -> None:
    # AWS ARNs (the signing key's) carry a 12-digit account id: not a person's
    text = re.sub(r"arn:aws:[^\"]+", "arn", json.dumps(payload, ensure_ascii=False))
    for a in applicants:
        for key in ("name", "id_number", "phone", "email", "address"):
            assert a[key] not in text, f"{where}: {key} {a[key]!r} leaks"
        _family, *rest = a["name"].split()
        assert " ".join(rest) not in text, f"{where}: given names leak"
    for pattern in (ID_NUMBER, PHONE, EMAIL):
        found = pattern.findall(text)
        assert not found, f"{where}: {pattern.pattern} matches {found}"


def test_public_lookup_and_verify_leak_no_personal_data(
    sec_api: ApiClient, sec_aws: Any, world: World
) -> None:
    from chalicelib.services.deps import get_deps
    from tests.support.aws import AwsView
    from tests.support.client import deliver_workflow
    from tests.support.world import APPLICANTS, SIDES

    people = list(APPLICANTS.values())
    anon = sec_api.anonymous()
    cloud = AwsView(sec_aws)
    # a dossier taken to its signed result, so the verify page has something real to show
    d = world.live["own"]
    done = sec_api.as_user(SIDES["own"][3]).post(
        f"/api/agency/dossiers/{d['id']}/steps/{world.step['own']}/complete",
        {"outcome": "approve", "note": "Đạt"},
    )
    assert done.status_code == 200, done.text
    result = None
    for _ in range(100):
        result = get_deps().store.get_dossier(d["id"]).result
        if result is not None:
            break
        deliver_workflow(sec_api, cloud)
    assert result is not None, "no signed result was made"
    stored = get_deps().store.get_dossier(d["id"])
    pages: dict[str, Any] = {}
    for rel in ("own", "other"):
        code = world.live[rel]["code"]
        pages[f"lookup {rel}"] = anon.get(f"/api/lookup/{code}").json()
        pages[f"lookup {rel} +1"] = anon.get(f"/api/lookup/{_neighbour(code, 1)}").json()
    pages["lookup with token"] = anon.get(
        f"/api/lookup/{d['code']}?token={stored.lookup_token}"
    ).json()
    assert pages["lookup with token"]["verified"] is True and pages["lookup with token"]["history"]
    verify = anon.get(f"/api/verify/{result.id}")
    assert verify.status_code == 200, verify.text
    pages["verify"] = verify.json()
    assert pages["verify"]["checks"]["found"] is True
    pages["transparency"] = anon.get("/api/transparency").json()
    pages["qa"] = anon.get("/api/qa").json()
    for where, payload in pages.items():
        assert_no_personal_data(payload, people, where)
    assert pages["lookup own"]["applicant_masked"] == "Nguyễn V** A*"


@pytest.fixture(scope="module")
def matrix(sec_api: ApiClient, world: World) -> Iterator[Matrix]:
    m = Matrix(sec_api, world)
    for username in filter(None, CALLERS.values()):
        sec_api.as_user(username)  # sign everyone in before anything can lock an account
    live = app_operations()
    for row in ROWS:
        if (row.method, row.path) in live:
            m.run(row)
    yield m


@pytest.mark.slow
def test_the_matrix_holds(matrix: Matrix) -> None:
    assert matrix.cells, "no cell ran"
    if matrix.failures:
        pytest.fail(
            f"{len(matrix.failures)} of {len(matrix.cells)} cells differ from the table:\n"
            + "\n".join(matrix.failures[:60])
            + "\n\n"
            + render(matrix.cells),
            pytrace=False,
        )


@pytest.mark.slow
def test_the_matrix_covers_every_caller_and_relation(matrix: Matrix) -> None:
    seen = {(who, rel) for _, who, rel, _, _ in matrix.cells}
    for who in CALLERS:
        assert (who, "own") in seen and (who, "other") in seen and (who, "-") in seen, who
    assert sum(1 for c in matrix.cells if c[3] == "ok") > 100  # plenty of allowed cells ran


def _jsonable(reply: Reply) -> Any:
    try:
        return reply.json()
    except json.JSONDecodeError:
        return None
