"""National portal (Cổng DVCQG) pure rules: reading a pushed dossier, its HMAC signature, the
reconciliation diff and the catalogue merge (national part over ours, local parts kept)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain import portal_catalogue as cat
from chalicelib.domain import portal_intake as intake
from chalicelib.domain import portal_reconcile as rec
from tests.fakes.national_portal import sign as twin_sign

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def raw(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "MaHoSoQuocGia": "G22.261207.0001",
        "MaTTHC": "2.001610",
        "MaDonViTiepNhan": "H33.50",
        "ChuHoSo": {"HoTen": "Nguyễn Văn An", "SoGiayTo": "093201000123"},
        "DuLieuBieuMau": {"ten": "x"},
        "TepDinhKem": [
            {
                "MaThanhPhanHoSo": "giay-de-nghi",
                "TenTep": "don.pdf",
                "DuongDan": "http://127.0.0.1/f/1",
                "LoaiTep": "application/pdf",
            }
        ],
        "DanhSachLePhi": [
            {"TenPhiLePhi": "Lệ phí", "MucPhi": 50000, "DaThanhToan": True, "MaGiaoDich": "T1"},
            {"TenPhiLePhi": "Phí", "MucPhi": 7000, "DaThanhToan": False},
        ],
        "NgayNopHoSo": "20261207100000",
    }
    base.update(over)
    return base


def test_a_portal_dossier_is_read_from_its_national_field_names() -> None:
    d = intake.parse_dossier(raw())
    assert (d.portal_ref, d.procedure_code, d.receiving_unit) == (
        "G22.261207.0001",
        "2.001610",
        "H33.50",
    )
    assert d.applicant["name"] == "Nguyễn Văn An" and d.applicant["id_number"] == "093201000123"
    assert [f.document_id for f in d.files] == ["giay-de-nghi"]
    assert d.fee_paid_vnd == 50000  # only what was paid there
    assert d.submitted_at == datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
    assert intake.parse_dossier(raw()).digest == d.digest
    assert intake.parse_dossier(raw(DuLieuBieuMau={"ten": "y"})).digest != d.digest


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"MaTTHC": ""}, "MaTTHC"),
        ({"ChuHoSo": "Nguyễn Văn An"}, "ChuHoSo"),
        ({"ChuHoSo": {"SoGiayTo": "1"}}, "HoTen"),
        ({"NgayNopHoSo": "2026-12-07"}, "NgayNopHoSo"),
        ({"TepDinhKem": [{"MaThanhPhanHoSo": "a", "TenTep": "a.pdf", "LoaiTep": "x"}]}, "DuongDan"),
        ({"DanhSachLePhi": [{"TenPhiLePhi": "x", "MucPhi": -1}]}, "TepDinhKem"),
    ],
)
def test_a_broken_dossier_is_refused_naming_its_field(change: dict[str, Any], field: str) -> None:
    if field == "TepDinhKem":  # a negative fee names the fee list
        field = "DanhSachLePhi.0.MucPhi"
    with pytest.raises(intake.IntakeRejected) as err:
        intake.parse_dossier(raw(**change))
    assert err.value.code == "invalid_packet"
    assert field in err.value.field
    assert err.value.message_vi.startswith("Thiếu hoặc sai")


def test_the_signature_is_hmac_over_timestamp_and_body_within_five_minutes() -> None:
    body = json.dumps(raw()).encode()
    ts = str(int(NOW.timestamp()))
    good = intake.sign("s3cret", ts, body)
    assert good == twin_sign("s3cret", ts, body)  # the twin signs by the same rule
    intake.verify_signature("s3cret", good, ts, body, NOW + timedelta(seconds=299))
    for secret, sig, stamp, data, at, code in [
        ("other", good, ts, body, NOW, "bad_signature"),
        ("s3cret", good, ts, body + b" ", NOW, "bad_signature"),
        ("s3cret", None, ts, body, NOW, "bad_signature"),
        ("", good, ts, body, NOW, "bad_signature"),  # no secret configured: refuse all
        ("s3cret", good, ts, body, NOW + timedelta(seconds=301), "stale_signature"),
    ]:
        with pytest.raises(intake.IntakeRejected) as err:
            intake.verify_signature(secret, sig, stamp, data, at)
        assert err.value.code == code


def test_the_receiving_unit_must_be_a_desk_of_this_province() -> None:
    desks = {"H33.50": "Trung tâm PVHCC", "H34.50": "Desk of another province"}
    intake.check_unit("H33.50", desks, "H33")
    for unit in ("H34.50", "H33.03"):  # another province; not a desk
        with pytest.raises(intake.IntakeRejected) as err:
            intake.check_unit(unit, desks, "H33")
        assert err.value.code == "unit_outside_province"


def test_reconciliation_resends_what_is_missing_older_or_in_another_status() -> None:
    ours = [
        rec.Ours("a", "A", 3, 4),
        rec.Ours("b", "B", 5, 9),
        rec.Ours("c", "C", 2, 2),
        rec.Ours("d", "D", 4, 4),
        rec.Ours("e", "E", 1, 1),
    ]
    theirs = rec.portal_view(
        [
            {"MaHoSo": "A", "PhienBan": 3, "TrangThaiHoSo": 4},  # same
            {"MaHoSo": "B", "PhienBan": 4, "TrangThaiHoSo": 4},  # older there
            {"MaHoSo": "C", "PhienBan": "2", "TrangThaiHoSo": 1},  # another status
            {"MaHoSo": "D", "PhienBan": 6, "TrangThaiHoSo": 4},  # newer there: reported only
        ]
    )
    diffs = {d.code: d for d in rec.differences(ours, theirs)}
    assert {c: d.reason for c, d in diffs.items()} == {
        "B": rec.OLDER,
        "C": rec.STATUS,
        "D": rec.NEWER,
        "E": rec.MISSING,
    }
    assert sorted(c for c, d in diffs.items() if d.resend) == ["B", "C", "E"]


CURRENT: dict[str, Any] = {
    "code": "2.001610",
    "version": 3,
    "state": "published",
    "name": "Đăng ký thành lập hộ kinh doanh",
    "field": "Thành lập và hoạt động của hộ kinh doanh",
    "processing_time": {"amount": 3, "unit": "working_days"},
    "documents": [
        {"id": "giay-de-nghi", "name": "Giấy đề nghị", "required": True, "max_bytes": 5000000}
    ],
    "fees": [{"name": "Lệ phí", "amount_vnd": 100000}],
    "steps": [{"id": "review", "agency": "H33.03", "allowance": {"amount": 2}}],
    "form_schema": {"type": "object", "title": "local"},
}


def national(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "MaTTHC": "2.001610",
        "TenTTHC": "Đăng ký thành lập hộ kinh doanh",
        "MaLinhVuc": "LV001",
        "ThoiHanGiaiQuyet": 3,
        "ThanhPhanHoSo": [{"MaGiayTo": "giay-de-nghi", "TenGiayTo": "Giấy đề nghị"}],
        "PhiLePhi": [{"TenPhiLePhi": "Lệ phí", "MucPhi": 100000}],
    }
    base.update(over)
    return base


FIELDS = {"LV001": "Thành lập và hoạt động của hộ kinh doanh"}


def test_an_unchanged_national_procedure_changes_nothing() -> None:
    part = cat.national_part(national(), FIELDS, CURRENT)
    assert cat.changed_keys(CURRENT, part) == []


def test_a_changed_national_procedure_is_merged_keeping_the_local_process() -> None:
    rec_ = national(
        TenTTHC="Đăng ký hộ kinh doanh (sửa đổi)",
        PhiLePhi=[{"TenPhiLePhi": "Lệ phí", "MucPhi": 150000}],
        ThanhPhanHoSo=[
            {"MaGiayTo": "giay-de-nghi", "TenGiayTo": "Giấy đề nghị (mẫu mới)"},
            {"MaGiayTo": "CCCD", "TenGiayTo": "Căn cước", "BatBuoc": False},
        ],
    )
    part = cat.national_part(rec_, FIELDS, CURRENT)
    assert cat.changed_keys(CURRENT, part) == ["documents", "fees", "name"]
    draft = cat.merged_draft(CURRENT, part)
    assert draft["steps"] == CURRENT["steps"] and draft["form_schema"] == CURRENT["form_schema"]
    assert draft["fees"] == [{"name": "Lệ phí", "amount_vnd": 150000}]
    first, new = draft["documents"]
    assert first["max_bytes"] == 5000000  # our size limit kept
    assert first["name"] == "Giấy đề nghị (mẫu mới)"
    assert new == {"id": "cccd", "name": "Căn cước", "required": False}
    assert "version" not in draft and "state" not in draft  # publication sets these
    assert cat.effective_date({"NgayHieuLuc": "20270101"}, date(2026, 12, 7)) == date(2027, 1, 1)


def test_agency_differences_are_only_this_provinces() -> None:
    records = [
        {"MaCoQuan": "H33.03", "TenCoQuan": "Sở Tài chính (hợp nhất)"},
        {"MaCoQuan": "H33.99", "TenCoQuan": "Sở mới"},
        {"MaCoQuan": "H34.01", "TenCoQuan": "Another province"},
        {"MaCoQuan": "H33.04", "TenCoQuan": "Sở Tài chính"},
    ]
    ours = {"H33.03": "Sở Kế hoạch và Đầu tư", "H33.04": "Sở Tài chính"}
    assert cat.agency_differences(records, ours, "H33") == [
        {"code": "H33.03", "name": "Sở Tài chính (hợp nhất)", "reason": "name_differs"},
        {"code": "H33.99", "name": "Sở mới", "reason": "missing_here"},
    ]
