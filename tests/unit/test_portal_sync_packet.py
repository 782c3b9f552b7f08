"""The national portal (Cổng DVCQG) sync packet: REGULATION.md's fields, national codes, Vietnam
dates, the processing history, no personal data beyond the list; and the fake portal's schema is
strict (a packet missing MaHoSo does not pass)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import portal_sync as ps
from chalicelib.domain.dossier import (
    Applicant,
    Channel,
    FeeDue,
    ResultDocument,
)
from chalicelib.domain.statuses import DossierStatus as S
from tests.fakes.national_portal import load_schema, validation_errors
from tests.support.portal_packets import HISTORY, PROC, T0, dossier, ev

pytestmark = pytest.mark.unit


def test_packet_has_every_regulation_field_and_passes_the_schema() -> None:
    packet = ps.build_packet(dossier(), HISTORY, PROC)
    required = set(load_schema()["required"])
    assert set(packet) == required  # nothing more, nothing less
    for name in (
        "MaHoSo MaTTHC TenTTHC MaLinhVuc KenhThucHien ChuHoSo SoGiayToChuHoSo LoaiDoiTuong "
        "TrichYeuHoSo NgayNopHoSo NgayTiepNhan NgayHenTra NgayKetThucXuLy NgayTra NgayTuChoi "
        "TrangThaiHoSo DonViXuLy TaiLieuNop DanhSachLePhi DanhSachHoSoBoSung "
        "DanhSachGiayToKetQua HoSoCoThanhPhanSoHoa DuocThanhToanTrucTuyen"
    ).split():
        assert name in packet
    assert validation_errors(packet) == []
    assert (packet["packet_id"], packet["version"]) == ("d-1", 4)
    assert packet["MaHoSo"] == "H33.50-261201-0001"
    assert (packet["MaTTHC"], packet["TenTTHC"], packet["MaLinhVuc"]) == (
        PROC.code,
        PROC.name,
        PROC.field,
    )
    assert packet["DonViXuLy"] == "H33.05"


def test_dates_are_yyyymmddhhmmss_in_vietnam_time() -> None:
    packet = ps.build_packet(dossier(), HISTORY, PROC)
    # 17:30 UTC on 30/11 is 00:30 on 1/12 in Vietnam (UTC+7)
    assert packet["NgayTiepNhan"] == "20261201003000"
    assert packet["NgayNopHoSo"] == "20261201000000"
    assert packet["NgayHenTra"] == "20261204003000"
    assert packet["NgayKetThucXuLy"] is None and packet["NgayTra"] is None
    assert ps.portal_datetime(datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)) == "20260101070005"
    with pytest.raises(ValueError):
        ps.portal_datetime(datetime(2026, 1, 1))  # naive: refused, never guessed


@pytest.mark.parametrize("status", list(S))
def test_status_is_the_national_code(status: S) -> None:
    packet = ps.build_packet(dossier(status=status), HISTORY, PROC)
    assert packet["TrangThaiHoSo"] == status.value
    assert validation_errors(packet) == []


@pytest.mark.parametrize(
    ("channel", "code"), [(Channel.DESK, 1), (Channel.ONLINE, 2), (Channel.POST, 3)]
)
def test_channel_codes(channel: Channel, code: int) -> None:
    assert ps.build_packet(dossier(channel=channel), HISTORY, PROC)["KenhThucHien"] == code


def test_processing_history_lines() -> None:
    lines = ps.build_packet(dossier(), HISTORY, PROC)["QuaTrinhXuLy"]
    assert [ln["TrangThai"] for ln in lines] == [1, 2, 4]
    first, received, started = lines
    assert first["NguoiXuLy"] == "Chủ hồ sơ"  # a citizen's username is personal data
    assert first["NoiDung"] == "Nộp hồ sơ trực tuyến"
    assert received["NguoiXuLy"] == "motcua" and received["ThoiDiemXuLy"] == "20261201003000"
    assert received["NgayBatDau"] is None  # the desk's receipt is not an agency step
    assert started["NguoiXuLy"] == "Hệ thống"
    # the step this event belongs to: its start and its due date
    assert (started["NgayBatDau"], started["NgayHetHan"]) == ("20261201003500", "20261203003000")


def test_supplements_refusal_fees_results_and_flags() -> None:
    history = [
        *HISTORY,
        ev(60, "supplement_requested", S.PROCESSING, S.SUPPLEMENT_REQUESTED, note="Thiếu bản sao"),
        ev(120, "supplemented", S.SUPPLEMENT_REQUESTED, S.PROCESSING, role="citizen"),
    ]
    d = dossier(
        fee=FeeDue(
            amount_vnd=50000,
            reason="Phí thẩm định",
            requested_at=T0,
            requested_by="x",
            paid_at=T0 + timedelta(hours=1),
            method="online",
        ),
        result=ResultDocument(id="r1", key="k", filename="giay-chung-nhan.pdf", sha256="a" * 64),
    )
    packet = ps.build_packet(d, history, PROC)
    assert packet["DanhSachHoSoBoSung"] == [
        {
            "NgayYeuCau": "20261201013000",
            "NoiDungYeuCau": "Thiếu bản sao",
            "NgayBoSung": "20261201023000",
        }
    ]
    assert packet["DanhSachLePhi"] == [
        {"TenPhiLePhi": "Lệ phí đăng ký", "MucPhi": 100000, "DaThanhToan": None},
        {"TenPhiLePhi": "Phí thẩm định", "MucPhi": 50000, "DaThanhToan": True},
    ]
    assert packet["DuocThanhToanTrucTuyen"] is True
    assert packet["HoSoCoThanhPhanSoHoa"] is True
    assert packet["DanhSachGiayToKetQua"][0]["MaKetQua"] == "r1"
    assert packet["NgayTuChoi"] is None
    assert validation_errors(packet) == []

    cash = d.model_copy(update={"fee": d.fee.model_copy(update={"method": "cash"})})  # type: ignore[union-attr]
    assert ps.build_packet(cash, history, PROC)["DuocThanhToanTrucTuyen"] is False
    bare = dossier(attachments=[])
    assert ps.build_packet(bare, HISTORY, PROC)["HoSoCoThanhPhanSoHoa"] is False

    refused = ps.build_packet(
        dossier(status=S.REFUSED, code=None),
        [HISTORY[0], ev(10, "refused", S.NEW, S.REFUSED, note="Sai thủ tục")],
        PROC,
    )
    assert refused["NgayTuChoi"] == "20261201004000"
    assert refused["MaHoSo"] == "d-1"  # no code before receipt: the dossier id stands in
    assert validation_errors(refused) == []


def test_only_the_personal_data_the_list_requires() -> None:
    packet = ps.build_packet(dossier(), HISTORY, PROC)
    text = str(packet)
    assert packet["ChuHoSo"] == "Nguyễn Văn An"
    assert packet["SoGiayToChuHoSo"] == "093090001234"
    for secret in ("0901234567", "an@example.com", "Phường V", "Tạp hoá An"):
        assert secret not in text
    # uploaded file names may hold personal data: the procedure's document names are sent
    assert packet["TaiLieuNop"] == [
        {
            "TepDinhKemId": "a1",
            "MaThanhPhanHoSo": "giay-de-nghi",
            "TenThanhPhanHoSo": "Giấy đề nghị đăng ký",
        }
    ]
    assert "093090001234" not in ps.describe(packet)  # what logs may say


@pytest.mark.parametrize(
    ("id_number", "declared", "kind"),
    [
        ("093090001234", None, 1),
        ("1800123456", None, 2),
        ("1800123456-001", None, 2),
        ("093090001234", "organisation", 2),
        ("", None, 1),
    ],
)
def test_applicant_kind(id_number: str, declared: str | None, kind: int) -> None:
    form = {"applicant_type": declared} if declared else {}
    d = dossier(applicant=Applicant(name="Công ty TNHH A", id_number=id_number), form_data=form)
    assert ps.applicant_kind(d) == kind


def test_schema_is_strict() -> None:
    good = ps.build_packet(dossier(), HISTORY, PROC)
    missing = {k: v for k, v in good.items() if k != "MaHoSo"}
    assert any("MaHoSo" in e for e in validation_errors(missing))
    assert validation_errors({**good, "DiaChi": "Phường V"})  # no extra (personal) fields
    assert validation_errors({**good, "NgayTiepNhan": "2026-12-01T00:30:00+07:00"})
    assert validation_errors({**good, "TrangThaiHoSo": 11})
    assert validation_errors({**good, "KenhThucHien": 4})


def test_draft_is_not_synced_and_history_merge_dedupes() -> None:
    with pytest.raises(ValueError):
        ps.build_packet(dossier(status=None), [], PROC)
    merged = ps.merge_history(HISTORY[:2], HISTORY[1:])
    assert merged == HISTORY
    assert ps.received_month(ps.build_packet(dossier(), HISTORY, PROC)) == "2026-12"
    assert ps.received_month({"NgayTiepNhan": None}) is None
