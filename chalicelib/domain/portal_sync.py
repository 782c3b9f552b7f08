"""The national portal (Cổng DVCQG) sync packet, built from a dossier and its history. Pure.

One packet per committed change: `packet_id` = the dossier id, `version` = the dossier's version
after the change, so the receiver keeps one record per (packet_id, version) and a retried delivery
changes nothing. Field names follow REGULATION.md's list as provincial systems use it.

Decisions (docs/design.md "National portal sync"):
- Dates are `yyyyMMddHHmmss` in Vietnam time (Asia/Ho_Chi_Minh, UTC+7, no DST), the format the
  provincial systems send; a missing date is null.
- `TrangThaiHoSo` is the status's national code (`DossierStatus` values are those codes), or 0
  while the dossier is only at units working in another system (liên thông,
  `domain.lien_thong`); `KenhThucHien` the channel code (1 desk, 2 online, 3 post).
- Personal data is only what the list requires: the applicant's name (ChuHoSo) and ID number
  (SoGiayToChuHoSo). No address, phone, e-mail or birth date; uploaded file names are replaced by
  the procedure's document names; a citizen's own actions are attributed to "Chủ hồ sơ".
- Before receipt a dossier has no code yet: `MaHoSo` is then the dossier id (the packet id is the
  same either way, so the portal's record keeps its key when the code appears).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.domain import lien_thong
from chalicelib.domain.statuses import DossierStatus

if TYPE_CHECKING:
    from chalicelib.domain.dossier import Dossier, Handover, HistoryEvent
    from chalicelib.domain.procedure import Procedure

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y%m%d%H%M%S"  # yyyyMMddHHmmss, Vietnam time

# LoaiDoiTuong: the applicant's kind as the portal codes it.
CITIZEN = 1  # công dân
ORGANISATION = 2  # tổ chức, doanh nghiệp

# Who did it, as the packet names them (a citizen's username is personal data).
_ROLE_NAMES = {"citizen": "Chủ hồ sơ", "system": "Hệ thống"}

# NoiDung of a history line without a note: the action in Vietnamese.
ACTIONS_VI: dict[str, str] = {
    "submitted": "Nộp hồ sơ trực tuyến",
    "entered_at_desk": "Nhập hồ sơ tại bộ phận một cửa",
    "received": "Tiếp nhận hồ sơ",
    "refused": "Từ chối tiếp nhận",
    "supplement_requested": "Yêu cầu bổ sung hồ sơ",
    "supplemented": "Bổ sung hồ sơ",
    "processing": "Bắt đầu xử lý",
    "transferred": "Chuyển xử lý",
    "step_completed": "Hoàn thành bước xử lý",
    "step_returned": "Trả lại bước trước",
    "fee_requested": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "fee_paid": "Đã thực hiện nghĩa vụ tài chính",
    "extension_proposed": "Đề nghị gia hạn",
    "extension_approved": "Gia hạn, hẹn lại ngày trả kết quả",
    "stop_proposed": "Đề nghị dừng xử lý",
    "stop_refused": "Không đồng ý dừng xử lý",
    "stopped": "Dừng xử lý",
    "withdrawn": "Rút hồ sơ",
    "processed": "Đã xử lý xong",
    "result_signed": "Ký số kết quả",
    "result_returned": "Trả kết quả",
    "workflow_failed": "Quy trình xử lý bị lỗi hệ thống",
    "workflow_restarted": "Khởi động lại quy trình xử lý",
}


def portal_datetime(dt: datetime | None) -> str | None:
    """An instant as the portal writes it: yyyyMMddHHmmss in Vietnam time (None stays None)."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(VN).strftime(DATE_FORMAT)


def national_status(status: DossierStatus) -> int:
    """The national portal's status code (1-10)."""
    return int(status)


def applicant_kind(dossier: Dossier) -> int:
    """1 a person, 2 an organisation: what the form says, else the ID number's shape (a tax code
    has 10 digits, or 10-3 for a branch; CCCD has 12, CMND 9)."""
    declared = str(dossier.form_data.get("applicant_type", "")).lower()
    if declared in ("organisation", "organization", "to_chuc", "doanh_nghiep"):
        return ORGANISATION
    if declared in ("citizen", "cong_dan"):
        return CITIZEN
    number = dossier.applicant.id_number.replace(" ", "")
    digits = number.replace("-", "")
    if digits.isdigit() and (len(number) == 10 or (len(digits) == 13 and "-" in number)):
        return ORGANISATION
    return CITIZEN


def _handover_at(handovers: Iterable[Handover], agency: str | None, at: datetime) -> Any:
    """The step handover an event belongs to: the latest one to `agency` sent by `at`."""
    found = None
    for h in handovers:
        later = found is None or h.sent_at >= found.sent_at
        if agency and h.to_agency == agency and h.sent_at <= at and later:
            found = h
    return found


# CapNhatTienDoHoSoMC: one line per step, named by the national specification. The names are
# DATA (the specification changes): our neutral key -> the portal's field name.
PROGRESS_FIELDS: dict[str, str] = {
    "code": "MaHoSo",
    "handler": "NguoiXuLy",
    "title": "ChucDanh",
    "unit": "PhongBanXuLy",
    "at": "ThoiDiemXuLy",
    "content": "NoiDungXuLy",
    "status": "TrangThai",
    "step_start": "NgayBatDau",
    "step_due": "NgayKetThucTheoQuyDinh",
}

# ChucDanh by the role that acted, when the event recorded no title (the official's profile had
# none then, or the actor is not an official).
ROLE_TITLES: dict[str, str] = {
    "citizen": "Công dân",
    "system": "Hệ thống",
    "desk": "Cán bộ tiếp nhận (Bộ phận Một cửa)",
    "agency": "Chuyên viên xử lý",
    "leader": "Lãnh đạo phê duyệt",
    "province": "Chuyên viên Văn phòng UBND tỉnh",
    "admin": "Quản trị hệ thống",
}


def handler_name(e: HistoryEvent, people: Mapping[str, str]) -> str:
    """NguoiXuLy: an official's full name (as recorded with the event, else the dossier's names);
    the applicant and the system in words (a citizen's username is personal data)."""
    if e.actor_role in _ROLE_NAMES:
        return _ROLE_NAMES[e.actor_role]
    return e.actor_name or people.get(e.actor) or e.actor


def _actor_unit(dossier: Dossier, e: HistoryEvent) -> str | None:
    """PhongBanXuLy of an event that names no agency: the desk's unit for the desk; for an
    agency's official, the agency the dossier was last handed to by then (else the lead)."""
    if e.actor_role == "desk":
        return dossier.receiving_unit
    if e.actor_role in ("agency", "leader"):
        sent = [h for h in dossier.handovers if h.sent_at <= e.at]
        return max(sent, key=lambda h: h.sent_at).to_agency if sent else dossier.lead_agency
    return None


def history_lines(
    dossier: Dossier,
    history: Iterable[HistoryEvent],
    unit_names: Mapping[str, str] | None = None,
    external_units: Collection[str] = (),
) -> list[dict[str, Any]]:
    """QuaTrinhXuLy: every step as CapNhatTienDoHoSoMC names it (PROGRESS_FIELDS): handler,
    title and unit (as recorded with the event, from the official's profile then), time,
    content, status, the step's start and legal end, oldest first. A line
    written while the dossier was only at units in another system (`external_units`) has
    status 0 (liên thông)."""
    names = unit_names or {}
    lines = []
    status: DossierStatus | None = None
    code = dossier.code or dossier.id
    for e in sorted(history, key=lambda e: e.at):
        status = e.to_status if e.to_status is not None else (e.from_status or status)
        unit = e.agency or _actor_unit(dossier, e)
        step = _handover_at(dossier.handovers, unit, e.at)
        # PhongBanXuLy: the official's own unit as their profile had it at the time (a
        # department under the agency, say), else the unit the event acted for.
        unit = e.actor_unit or unit
        line = {
            "code": code,
            "handler": handler_name(e, dossier.people),
            "title": e.actor_title or ROLE_TITLES.get(e.actor_role, e.actor_role),
            "unit": names.get(unit, unit) if unit else None,
            "at": portal_datetime(e.at),
            "content": e.note or ACTIONS_VI.get(e.action, e.action),
            "status": lien_thong.portal_status(status, dossier.handovers, external_units, e.at)
            if status is not None
            else None,
            "step_start": portal_datetime(step.sent_at) if step else None,
            "step_due": portal_datetime(step.due_at) if step else None,
        }
        lines.append({PROGRESS_FIELDS[k]: v for k, v in line.items()})
    return lines


def _refused_at(history: Iterable[HistoryEvent]) -> datetime | None:
    times = [e.at for e in history if e.to_status is DossierStatus.REFUSED]
    return max(times) if times else None


def _supplements(dossier: Dossier, history: list[HistoryEvent]) -> list[dict[str, Any]]:
    """Each request for more documents, with when the applicant answered (null while waiting),
    and the appointment before (NgayHenTraCu) and after it (NgayHenTraMoi, once answered: the
    paused working time moves it)."""
    out: list[dict[str, Any]] = []
    ordered = sorted(history, key=lambda e: e.at)
    for i, e in enumerate(ordered):
        if e.to_status is not DossierStatus.SUPPLEMENT_REQUESTED:
            continue
        answer = next(
            (
                later
                for later in ordered[i + 1 :]
                if later.from_status is DossierStatus.SUPPLEMENT_REQUESTED
            ),
            None,
        )
        out.append(
            {
                "NgayYeuCau": portal_datetime(e.at),
                "NoiDungYeuCau": e.note or ACTIONS_VI["supplement_requested"],
                "NgayBoSung": portal_datetime(answer.at) if answer else None,
                "NgayHenTraCu": portal_datetime(
                    dossier.original_appointment_at or dossier.appointment_at
                ),
                "NgayHenTraMoi": portal_datetime(dossier.appointment_at) if answer else None,
            }
        )
    return out


def _fees(dossier: Dossier, procedure: Procedure | None) -> list[dict[str, Any]]:
    fees: list[dict[str, Any]] = [
        {"TenPhiLePhi": f.name, "MucPhi": f.amount_vnd, "DaThanhToan": None}
        for f in (procedure.fees if procedure else ())
    ]
    if dossier.fee is not None:
        fees.append(
            {
                "TenPhiLePhi": dossier.fee.reason,
                "MucPhi": dossier.fee.amount_vnd,
                "DaThanhToan": dossier.fee.paid_at is not None,
            }
        )
    return fees


def _documents(dossier: Dossier, procedure: Procedure | None) -> list[dict[str, Any]]:
    names = {d.id: d.name for d in (procedure.documents if procedure else ())}
    return [
        {
            "TepDinhKemId": a.id,
            "MaThanhPhanHoSo": a.document_id,
            "TenThanhPhanHoSo": names.get(a.document_id, a.document_id),
        }
        for a in dossier.attachments
        if a.state.value == "accepted"
    ]


def _results(dossier: Dossier, result_url: str | None) -> list[dict[str, Any]]:
    r = dossier.result
    if r is None:
        return []
    return [
        {
            "MaKetQua": r.id,
            "TenGiayTo": r.filename,
            "MaBamSHA256": r.sha256,
            "NgayKy": portal_datetime(r.signed_at),
            "DuongDanKetQua": result_url,
        }
    ]


# HinhThucTraKetQua: how the result was handed over.
RETURN_CHANNELS: dict[str, int] = {"desk": 1, "post": 2, "online": 3}


def build_packet(
    dossier: Dossier,
    history: Iterable[HistoryEvent],
    procedure: Procedure | None = None,
    *,
    unit_names: Mapping[str, str] | None = None,
    result_url: str | None = None,
    external_units: Collection[str] = (),
) -> dict[str, Any]:
    """The packet (DongBoHoSoMC) for the dossier as it is now (its `version`), with its whole
    history (the CapNhatTienDoHoSoMC lines).

    `procedure` gives TenTTHC, MaLinhVuc, document and fee names; without it those fall back to
    the codes the dossier holds. `unit_names` names PhongBanXuLy; `result_url` is the signed
    result's verify page; `external_units` the units working in another system (liên thông: the
    status is then 0 while the dossier is only there). A draft (no status) has nothing to sync:
    ValueError.
    """
    if dossier.status is None:
        raise ValueError("a draft dossier is not synced")
    events = list(history)
    paid_online = (
        dossier.fee is not None
        and dossier.fee.paid_at is not None
        and dossier.fee.method == "online"
    )
    return {
        "packet_id": dossier.id,
        "version": dossier.version,
        "MaHoSo": dossier.code or dossier.id,
        "MaHoSoDVCQG": dossier.portal_ref,
        "MaTTHC": dossier.procedure_code,
        "TenTTHC": procedure.name if procedure else dossier.procedure_code,
        "MaLinhVuc": procedure.field if procedure else "",
        "KenhThucHien": int(dossier.channel),
        "ChuHoSo": dossier.applicant.name,
        "SoGiayToChuHoSo": dossier.applicant.id_number or None,
        "LoaiDoiTuong": applicant_kind(dossier),
        "TrichYeuHoSo": procedure.name if procedure else dossier.procedure_code,
        "NgayNopHoSo": portal_datetime(dossier.submitted_at or dossier.received_at),
        "NgayTiepNhan": portal_datetime(dossier.received_at),
        "NgayHenTra": portal_datetime(dossier.appointment_at),
        "NgayKetThucXuLy": portal_datetime(dossier.finished_at),
        "NgayTra": portal_datetime(dossier.returned_at),
        "NgayTuChoi": portal_datetime(_refused_at(events)),
        "TrangThaiHoSo": lien_thong.portal_status(
            dossier.status, dossier.handovers, external_units
        ),
        "DonViXuLy": dossier.lead_agency,
        "TaiLieuNop": _documents(dossier, procedure),
        "DanhSachLePhi": _fees(dossier, procedure),
        "DanhSachHoSoBoSung": _supplements(dossier, events),
        "DanhSachGiayToKetQua": _results(dossier, result_url),
        "HinhThucTraKetQua": RETURN_CHANNELS.get(dossier.returned.channel)
        if dossier.returned
        else None,
        "HoSoCoThanhPhanSoHoa": any(a.state.value == "accepted" for a in dossier.attachments),
        "DuocThanhToanTrucTuyen": paid_online,
        "QuaTrinhXuLy": history_lines(dossier, events, unit_names, external_units),
    }


def merge_history(
    stored: Iterable[HistoryEvent], new: Iterable[HistoryEvent]
) -> list[HistoryEvent]:
    """The stored history plus events just committed that an eventually consistent read missed."""
    seen: set[tuple[Any, ...]] = set()
    out: list[HistoryEvent] = []
    for e in [*stored, *new]:
        key = (e.at, e.action, e.actor, e.to_status, e.note)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return sorted(out, key=lambda e: e.at)


def received_month(packet: Mapping[str, Any]) -> str | None:
    """The Vietnam month (YYYY-MM) the packet's dossier was received, None before receipt."""
    at = packet.get("NgayTiepNhan")
    if not at:
        return None
    return f"{str(at)[:4]}-{str(at)[4:6]}"


def describe(packet: Mapping[str, Any]) -> str:
    """What a log line may say about a packet: no personal data."""
    return f"{packet.get('MaHoSo')} v{packet.get('version')} status {packet.get('TrangThaiHoSo')}"
