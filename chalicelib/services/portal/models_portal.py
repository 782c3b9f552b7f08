"""Input and answer models of the national portal (Cổng DVCQG) routes: intake and reconciliation.

The intake body is the portal's JSON as the national specification names it; it is described
here for the contract, and read (with its own Vietnamese rejections) by `domain.portal_intake`,
so every field is optional at this layer: a dossier the portal got wrong is answered with the
specific rejection, never a generic 400.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PortalApplicantIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    HoTen: Any = None
    SoGiayTo: Any = None
    DiaChi: Any = None
    SoDienThoai: Any = None
    Email: Any = None


class PortalDossierIn(BaseModel):
    """A dossier submitted on the national portal (signed: X-DVCQG-Timestamp, X-DVCQG-Signature)."""

    model_config = ConfigDict(extra="allow")

    MaHoSoQuocGia: Any = Field(default=None, description="The portal's dossier id.")
    MaTTHC: Any = Field(default=None, description="Procedure code (national database).")
    MaDonViTiepNhan: Any = Field(default=None, description="The receiving desk's unit code.")
    ChuHoSo: Any = Field(default=None, description="Applicant: HoTen, SoGiayTo, DiaChi, ...")
    DuLieuBieuMau: Any = Field(default=None, description="The e-form data.")
    TepDinhKem: Any = Field(
        default=None, description="Documents: MaThanhPhanHoSo, TenTep, DuongDan, LoaiTep."
    )
    DanhSachLePhi: Any = Field(
        default=None, description="Fees: TenPhiLePhi, MucPhi, DaThanhToan, MaGiaoDich."
    )
    NgayNopHoSo: Any = Field(default=None, description="yyyyMMddHHmmss, Vietnam time.")


class PortalIntakeAnswer(BaseModel):
    """What the portal is told: taken in (with our dossier id), or the rejection's error body."""

    MaHoSoQuocGia: str | None
    KetQua: str = Field(description="DaNhan (taken in) | TuChoi (refused).")
    MaHoSoTinh: str | None = None
    duplicate: bool = False


class ReconcileDiff(BaseModel):
    dossier_id: str
    code: str
    ours_version: int
    ours_status: int
    portal_version: int | None
    portal_status: int | None
    reason: str


class ReconcileReport(BaseModel):
    """A daily reconciliation against the portal's TraCuuHoSo."""

    day: str
    at: str
    checked: int
    matched: int
    differ: list[ReconcileDiff]
    resent: int
    error: str | None = None
