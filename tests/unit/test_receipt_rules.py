"""The receipt's pure rules: QĐ 766 counters and the fee decided at the desk (domain/receipt.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.domain.calendar import VIETNAM_TZ, default_calendar
from chalicelib.domain.dossier import Channel
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.receipt import FEE_REASON, FeeAtReceipt, fee_at_receipt, receipt_counters
from chalicelib.domain.statuses import DossierStatus

pytestmark = pytest.mark.unit

CAL = default_calendar()
# Friday 30 January 2026, 16:00 in Vietnam: the month key is Vietnam's, not UTC's.
RECEIVED = datetime(2026, 1, 30, 16, 0, tzinfo=VIETNAM_TZ)


def fee(
    amount: int, *, collected: bool, receipt_no: str | None = None, method: str = "cash"
) -> FeeAtReceipt:
    return fee_at_receipt(
        amount,
        collected=collected,
        receipt_no=receipt_no,
        method=method,
        received_at=RECEIVED,
        by="desk1",
        calendar=CAL,
        deadline_working_days=5,
    )


def test_counters_of_a_free_online_receipt() -> None:
    got = receipt_counters(
        "SXD", RECEIVED, Channel.ONLINE, reused=False, fee_vnd=0, fee_awaited=False
    )
    assert got == [("SXD", "2026-01", "received"), ("SXD", "2026-01", "received_channel_2")]


def test_counters_of_a_reused_fee_bearing_receipt_awaiting_its_fee() -> None:
    got = receipt_counters(
        "SXD", RECEIVED, Channel.DESK, reused=True, fee_vnd=100_000, fee_awaited=True
    )
    assert [name for _, _, name in got] == [
        "received",
        "received_channel_1",
        "reused",
        "fee_dossiers",
        "fee_requested",
    ]
    assert {agency for agency, _, _ in got} == {"SXD"}


def test_month_counts_in_vietnam_time() -> None:
    # 31 Jan 2026 23:30 UTC is 1 Feb 06:30 in Vietnam.
    at = datetime.fromisoformat("2026-01-31T23:30:00+00:00")
    got = receipt_counters("SXD", at, Channel.POST, reused=False, fee_vnd=0, fee_awaited=False)
    assert got[0] == ("SXD", "2026-02", "received")
    assert got[1][2] == "received_channel_3"


def test_no_fee_means_received_and_nothing_recorded() -> None:
    got = fee(0, collected=True)  # "collected" of nothing needs no receipt number
    assert got.status is DossierStatus.RECEIVED
    assert (got.fee, got.awaiting, got.due_at, got.note) == (None, False, None, None)


def test_fee_collected_at_the_desk_is_paid_at_receipt_with_its_number() -> None:
    got = fee(150_000, collected=True, receipt_no="  BL-0012 ", method="transfer")
    assert got.status is DossierStatus.RECEIVED and not got.awaiting
    assert got.fee is not None
    assert got.fee.paid_at == RECEIVED and got.fee.receipt_no == "BL-0012"
    assert (got.fee.method, got.fee.recorded_by, got.fee.reason) == (
        "transfer",
        "desk1",
        FEE_REASON,
    )
    assert got.note == (
        "Đã thu 150000 đồng, chuyển khoản (ghi nhận tại Bộ phận Một cửa), biên lai BL-0012"
    )


@pytest.mark.parametrize("number", [None, "", "   "])
def test_fee_collected_without_a_receipt_number_is_refused(number: str | None) -> None:
    with pytest.raises(InvalidInput) as e:
        fee(150_000, collected=True, receipt_no=number)
    assert e.value.field == "receipt_no"


def test_fee_not_collected_awaits_payment_for_the_working_days() -> None:
    got = fee(150_000, collected=False, receipt_no="ignored")
    assert got.status is DossierStatus.AWAITING_FEE and got.awaiting
    assert got.note is None
    assert got.fee is not None and got.fee.paid_at is None and got.fee.receipt_no is None
    # Five working days after Friday 30 Jan: the weekend is skipped (Fri 6 Feb, same hour).
    assert got.due_at == CAL.add_working_days(RECEIVED, 5) == got.fee.due_at
    assert got.due_at.astimezone(VIETNAM_TZ).date().isoformat() == "2026-02-06"
