"""Each progress line reported to the national portal (CapNhatTienDoHoSoMC) names the official's
title (ChucDanh) and unit (PhongBanXuLy) as their staff profile had them when they acted, not as it
says now (NĐ 224/2026 Đ15.1.g: who processed it); without a recorded title, the role's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from chalicelib.domain import portal_sync as ps
from chalicelib.domain.actors import SYSTEM, actor_title, actor_unit
from chalicelib.domain.history import new_event
from chalicelib.domain.statuses import DossierStatus as S
from tests.fakes.national_portal import validation_errors
from tests.support.portal_packets import HISTORY, PROC, T0, dossier

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Official:
    """What the API's Caller carries of a staff profile."""

    username: str
    role: str
    unit: str | None
    name: str = ""
    title: str = ""
    sub: str = "sub-1"


def test_an_event_records_the_officials_title_and_unit_as_they_are_now() -> None:
    lan = Official("motcua", "desk", "H33.50", "Nguyễn Thị Lan", "  Phó Trưởng Bộ phận  ")
    e = new_event(lan, "received", S.NEW, S.RECEIVED, at=T0)
    assert (e.actor_name, e.actor_title, e.actor_unit) == (
        "Nguyễn Thị Lan",
        "Phó Trưởng Bộ phận",
        "H33.50",
    )


@pytest.mark.parametrize(
    "actor",
    [
        Official("congdan", "citizen", None, "An", "Kỹ sư"),  # a citizen's job is not ours
        Official("api:H33.07:AKTT1", "agency", "H33.07", "", "Hệ thống"),  # an agency's key
        Official("cv.xd", "agency", "H33.05", "Bình", "   "),  # a profile without a title
    ],
    ids=["citizen", "agency key", "no title"],
)
def test_no_title_is_recorded_for_others(actor: Official) -> None:
    assert actor_title(actor) is None


def test_the_system_has_no_title_or_unit() -> None:
    assert (actor_title(SYSTEM), actor_unit(SYSTEM)) == (None, None)
    assert actor_unit(Official("api:H33.07:AKTT1", "agency", "H33.07")) is None


def test_the_line_reports_the_title_and_unit_recorded_with_the_event() -> None:
    before = Official("cv.xd", "agency", "H33.05.02", "Trần Văn Bình", "Chuyên viên")
    after = Official("cv.xd", "leader", "H33.05", "Trần Văn Bình", "Phó Giám đốc Sở")
    events = [
        *HISTORY,
        new_event(before, "step_completed", None, None, agency="H33.05", at=T0 + timedelta(1)),
        new_event(after, "step_completed", None, None, agency="H33.05", at=T0 + timedelta(2)),
    ]
    units = {
        "H33.05": "Sở Xây dựng",
        "H33.05.02": "Phòng Quản lý xây dựng",
        "H33.50": "Bộ phận Một cửa",
    }
    packet = ps.build_packet(dossier(), events, PROC, unit_names=units)
    lines = packet["QuaTrinhXuLy"]
    got = [(ln["NguoiXuLy"], ln["ChucDanh"], ln["PhongBanXuLy"]) for ln in lines[-2:]]
    assert got == [
        ("Trần Văn Bình", "Chuyên viên", "Phòng Quản lý xây dựng"),  # as he was then
        ("Trần Văn Bình", "Phó Giám đốc Sở", "Sở Xây dựng"),  # promoted and moved since
    ]
    # the step window still comes from the agency the step was handed to
    assert lines[-2]["NgayBatDau"] == ps.portal_datetime(T0 + timedelta(minutes=5))
    # events recorded before titles existed fall back to the role's title
    assert lines[1]["ChucDanh"] == ps.ROLE_TITLES["desk"]
    assert validation_errors(packet) == []
