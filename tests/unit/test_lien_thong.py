"""Liên thông: a dossier forwarded to a unit that works in another system reports status 0 to the
national portal while it is only there, and its own status again once it is back (REGULATION.md,
DVCQG interface)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import lien_thong as lt
from chalicelib.domain import portal_sync as ps
from chalicelib.domain.dossier import Handover
from chalicelib.domain.procedure import Unit
from chalicelib.domain.statuses import DossierStatus as S
from tests.fakes.national_portal import validation_errors
from tests.support.portal_packets import HISTORY, PROC, T0, dossier, ev

pytestmark = pytest.mark.unit

TNMT = "H33.07"  # works in the ministry's land system
XD = "H33.05"  # works in ours
EXTERNAL = {TNMT: "VBDLIS"}


def hand(agency: str, sent: int, finished: int | None = None, stage: int = 0) -> Handover:
    return Handover(
        step_id=f"s-{agency}-{sent}",
        step_name="Thẩm định",
        stage=stage,
        from_unit="H33.50",
        to_agency=agency,
        sent_by="system",
        sent_at=T0 + timedelta(minutes=sent),
        due_at=T0 + timedelta(days=2),
        finished_at=None if finished is None else T0 + timedelta(minutes=finished),
    )


def test_processing_only_at_a_unit_of_another_system_is_status_0() -> None:
    assert lt.portal_status(S.PROCESSING, [hand(TNMT, 5)], EXTERNAL) == lt.LIEN_THONG == 0


def test_processing_here_stays_4() -> None:
    assert lt.portal_status(S.PROCESSING, [hand(XD, 5)], EXTERNAL) == 4


def test_a_parallel_step_here_keeps_it_in_processing() -> None:
    both = [hand(TNMT, 5, stage=1), hand(XD, 5, stage=1)]
    assert lt.portal_status(S.PROCESSING, both, EXTERNAL) == 4
    # the step here ends first: now it is only elsewhere
    ended_here = [hand(TNMT, 5, stage=1), hand(XD, 5, finished=30, stage=1)]
    assert lt.portal_status(S.PROCESSING, ended_here, EXTERNAL) == 0


def test_back_from_the_other_system_reports_its_own_status_again() -> None:
    back = [hand(TNMT, 5, finished=60), hand(XD, 60)]
    assert lt.portal_status(S.PROCESSING, back, EXTERNAL) == 4
    # and at an instant while it was there, 0; at the instant it came back, 4
    assert lt.portal_status(S.PROCESSING, back, EXTERNAL, T0 + timedelta(minutes=30)) == 0
    assert lt.portal_status(S.PROCESSING, back, EXTERNAL, T0 + timedelta(minutes=60)) == 4
    # before it was sent anywhere: nothing open, not elsewhere
    assert lt.portal_status(S.PROCESSING, back, EXTERNAL, T0) == 4


@pytest.mark.parametrize("status", [s for s in S if s is not S.PROCESSING], ids=lambda s: s.name)
def test_only_processing_becomes_0(status: S) -> None:
    assert lt.portal_status(status, [hand(TNMT, 5)], EXTERNAL) == int(status)


def test_no_unit_in_another_system_changes_nothing() -> None:
    assert lt.portal_status(S.PROCESSING, [hand(TNMT, 5)], {}) == 4
    assert not lt.elsewhere([], EXTERNAL)


def test_the_units_in_another_system_are_data() -> None:
    units = [
        Unit(code=XD, name="Sở Xây dựng"),
        Unit(code=TNMT, name="Sở Tài nguyên và Môi trường", external_system="VBDLIS"),
    ]
    assert lt.systems_of(units) == {TNMT: "VBDLIS"}


def test_the_packet_and_its_lines_say_0_while_elsewhere_and_pass_the_schema() -> None:
    d = dossier(handovers=[hand(TNMT, 5, finished=60), hand(XD, 60)])
    history = [
        *HISTORY,  # ... received at 0, processing at 5 (handed to TNMT)
        ev(20, "step_note", None, None, role="system", actor="system", agency=TNMT),
        ev(60, "step_completed", None, None, role="agency", actor="api:tnmt", agency=TNMT),
    ]
    packet = ps.build_packet(d, history, PROC, external_units=EXTERNAL)
    assert packet["TrangThaiHoSo"] == 4  # back here now
    assert [ln["TrangThai"] for ln in packet["QuaTrinhXuLy"]] == [1, 2, 0, 0, 4]
    assert validation_errors(packet) == []
    still_there = dossier(handovers=[hand(TNMT, 5)])
    packet = ps.build_packet(still_there, HISTORY, PROC, external_units=EXTERNAL)
    assert packet["TrangThaiHoSo"] == 0
    assert validation_errors(packet) == []
    # without the rule's data, the same dossier is simply in processing
    assert ps.build_packet(still_there, HISTORY, PROC)["TrangThaiHoSo"] == 4
