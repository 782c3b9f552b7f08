"""The records the security tests act on: two of everything, "mine" and "another's".

- dossiers `live` (received, a step active at the lead agency) and `draft` (a pending attachment):
  `own` = the citizen `congdan`'s, received at the provincial desk `motcua` (H33.50), lead agency
  the Department of Planning and Investment H33.03 (`sokhdt`, leader `lanhdaosokhdt`);
  `other` = `congdan2`'s, procedure 2.000720 of the Vị Thanh city people's committee H33.30,
  received at the Vị Thanh desk H33.30.50. So for a citizen `own`/`other` are "own" and "another
  citizen's"; for staff of H33.50/H33.03 they are "my agency's" and "another agency's".
- feedback, support requests, procedure-change proposals, reports: one of H33.03 (`own`), one of
  H33.30 (`other`); feedback sent by `congdan` (own) and `congdan2` (other).
- an agency key of H33.03 (the `key` caller) and a throwaway key for rotate/revoke.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.client import ApiClient, deliver_workflow, upload_file
from tests.support.journeys import FEE_PAID_AT_DESK
from tests.support.samples import FORM_EXAMPLES, sample_file

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OWN_PROC, OTHER_PROC = "2.001610", "2.000720"
APPLICANTS = {
    "congdan": {
        "name": "Nguyễn Văn An",
        "id_number": "093090001234",
        "address": "Số 25 đường 3 Tháng 2, Phường V, thành phố Vị Thanh",
        "phone": "0912345678",
        "email": "nguyenvanan@example.com",
    },
    "congdan2": {
        "name": "Trần Thị Bích",
        "id_number": "093195004567",
        "address": "Số 40 đường Nguyễn Trãi, Phường V, thành phố Vị Thanh",
        "phone": "0939123456",
        "email": "tranthibich@example.com",
    },
}
TODAY = datetime.now(VN).date().isoformat()
BREACH = {
    "scope": "Thử nghiệm phân quyền",
    "categories": ["contact"],
    "procedure_code": OWN_PROC,
    "date_from": TODAY,
    "date_to": TODAY,
}
# owner, procedure, desk, lead agency staff
SIDES = {
    "own": ("congdan", OWN_PROC, "motcua", "sokhdt"),
    "other": ("congdan2", OTHER_PROC, "motcuavithanh", "ubndvithanh"),
}


@dataclass
class World:
    live: dict[str, dict[str, Any]] = field(default_factory=dict)  # rel -> dossier view
    step: dict[str, str] = field(default_factory=dict)  # rel -> active step id of `live`
    draft: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachment: dict[str, str] = field(default_factory=dict)  # rel -> pending attachment of draft
    paper: dict[str, str] = field(default_factory=dict)  # rel -> an accepted attachment of `live`
    feedback: dict[str, dict[str, Any]] = field(default_factory=dict)
    support: dict[str, str] = field(default_factory=dict)
    change: dict[str, str] = field(default_factory=dict)
    report: dict[str, str] = field(default_factory=dict)
    faq_id: str = ""
    breach_id: str = ""
    key: dict[str, Any] = field(default_factory=dict)  # the H33.03 key caller
    spare_key: dict[str, Any] = field(default_factory=dict)
    other_key: dict[str, Any] = field(default_factory=dict)  # H33.30's key


def _ok(reply: Any, status: int = 200) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    out: dict[str, Any] = reply.json()
    return out


def create_draft(api: ApiClient, owner: str, proc_code: str) -> dict[str, Any]:
    citizen = api.as_user(owner)
    return _ok(
        citizen.post(
            "/api/my/dossiers",
            {
                "procedure_code": proc_code,
                "applicant": APPLICANTS[owner],
                "form_data": FORM_EXAMPLES[proc_code],
            },
        ),
        201,
    )


def attach_all(api: ApiClient, owner: str, dossier: dict[str, Any]) -> None:
    citizen = api.as_user(owner)
    proc = api.get(f"/api/procedures/{dossier['procedure_code']}").json()
    for doc in proc["documents"]:
        if not doc["required"]:
            continue
        content, ctype, ext = sample_file(doc["accepted_types"])
        slot = _ok(
            citizen.post(
                f"/api/my/dossiers/{dossier['id']}/uploads",
                {
                    "document_id": doc["id"],
                    "filename": f"{doc['id']}.{ext}",
                    "content_type": ctype,
                    "size": len(content),
                },
            ),
            201,
        )
        upload_file(slot, content, ctype)
        path = f"/api/my/dossiers/{dossier['id']}/attachments/{slot['attachment_id']}/finalize"
        assert _ok(citizen.post(path))["state"] == "accepted"


def live_dossier(api: ApiClient, cloud: Any, rel: str) -> tuple[dict[str, Any], str]:
    """Submitted, accepted at its desk, the first step active at its lead agency."""
    owner, proc, desk, staff = SIDES[rel]
    d = create_draft(api, owner, proc)
    attach_all(api, owner, d)
    _ok(api.as_user(owner).post(f"/api/my/dossiers/{d['id']}/submit"))
    accepted = _ok(api.as_user(desk).post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK))
    for _ in range(100):
        deliver_workflow(api, cloud)
        tasks = api.as_user(staff).get("/api/agency/tasks").json()["items"]
        mine = [t for t in tasks if t["code"] == accepted["code"]]
        if mine:
            return accepted, str(mine[0]["step_id"])
    raise AssertionError(f"no task for {accepted['code']}")


def build_world(api: ApiClient, cloud: Any) -> World:
    w = World()
    for rel in ("own", "other"):
        w.live[rel], w.step[rel] = live_dossier(api, cloud, rel)
        w.paper[rel] = next(a["id"] for a in w.live[rel]["attachments"] if a["state"] == "accepted")
        owner, proc, _, staff = SIDES[rel]
        draft = create_draft(api, owner, proc)
        doc = api.get(f"/api/procedures/{proc}").json()["documents"][0]
        slot = _ok(
            api.as_user(owner).post(
                f"/api/my/dossiers/{draft['id']}/uploads",
                {
                    "document_id": doc["id"],
                    "filename": "giay-to.pdf",
                    "content_type": "application/pdf",
                    "size": 1000,
                },
            ),
            201,
        )
        w.draft[rel], w.attachment[rel] = draft, slot["attachment_id"]
        agency = "H33.03" if rel == "own" else "H33.30"
        w.feedback[rel] = _ok(
            api.as_user(owner).post(
                "/api/feedback",
                {
                    "subject": "Hồ sơ chậm",
                    "content": "Hồ sơ của tôi chưa có kết quả, đề nghị kiểm tra.",
                    "dossier_code": w.live[rel]["code"],
                    "agency": agency,
                },
            ),
            201,
        )
        w.support[rel] = _ok(
            api.as_user(staff).post(
                "/api/staff/support",
                {"dossier_code": w.live[rel]["code"], "error_seen": "Không mở được hồ sơ."},
            ),
            201,
        )["id"]
        w.change[rel] = _ok(
            api.as_user(staff).post(
                "/api/agency/procedure-changes",
                {
                    "kind": "repealed",
                    "procedure_code": proc,
                    "legal_basis": "Quyết định số 2150/QĐ-UBND của Chủ tịch UBND tỉnh",
                    "effective_date": (datetime.now(VN).date() + timedelta(days=1)).isoformat(),
                },
            ),
            201,
        )["id"]
    admin = api.as_user("quantri")
    month = datetime.now(UTC).astimezone(VN).strftime("%Y-%m")
    w.report["own"] = _ok(
        api.as_user("lanhdaosokhdt").post("/api/reports", {"from": month, "to": month}), 201
    )["id"]
    w.report["other"] = _ok(
        admin.post("/api/reports", {"from": month, "to": month, "agency": "H33.30"}), 201
    )["id"]
    w.faq_id = _ok(
        api.as_user("vanphong").post(
            "/api/province/faq",
            {"question": "Nộp hồ sơ ở đâu?", "answer": "Tại bộ phận một cửa.", "field": "Chung"},
        ),
        201,
    )["id"]
    w.breach_id = _ok(admin.post("/api/admin/breaches", BREACH), 201)["id"]
    for name, agency in (("key", "H33.03"), ("spare_key", "H33.03"), ("other_key", "H33.30")):
        setattr(w, name, _ok(admin.post("/api/admin/agency-keys", {"agency": agency}), 201))
    return w
