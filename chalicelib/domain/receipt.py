"""What receiving a dossier records, as pure rules: the QĐ 766 counters and the fee at receipt.

The desk's accept (services/dossiers.accept) asks these and commits what they answer in one
transaction with the dossier's code and the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Channel, FeeDue, fee_method_label
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.history import month_key
from chalicelib.domain.statuses import DossierStatus

FEE_REASON = "Phí, lệ phí giải quyết thủ tục hành chính"
FEE_PAUSE_REASON = "Chờ nộp phí, lệ phí"

# One monthly counter: (agency, YYYY-MM, name), as store.table.Change takes them.
Counter = tuple[str, str, str]


@dataclass(frozen=True)
class FeeAtReceipt:
    """The fee decided at receipt. `fee` is None for a procedure with no fee; `awaiting` means
    the dossier waits for payment (2 → 6, its clock paused until `due_at`)."""

    status: DossierStatus
    fee: FeeDue | None = None
    awaiting: bool = False
    due_at: datetime | None = None
    note: str | None = None  # the "received" event's note: what the desk collected


def fee_at_receipt(
    fee_vnd: int,
    *,
    collected: bool,
    receipt_no: str | None,
    method: str,
    received_at: datetime,
    by: str,
    calendar: WorkingCalendar,
    deadline_working_days: int,
) -> FeeAtReceipt:
    """A fee the desk says it collected needs its receipt (biên lai) number and is paid at
    receipt; a fee not collected leaves the dossier awaiting it for `deadline_working_days`."""
    if fee_vnd <= 0:
        return FeeAtReceipt(status=DossierStatus.RECEIVED)
    number = (receipt_no or "").strip()
    if collected and not number:
        raise InvalidInput(
            "Cần ghi số biên lai thu phí, lệ phí khi đã thu tại quầy.",
            "A fee collected at the desk needs its receipt number.",
            field="receipt_no",
        )
    owed = FeeDue(amount_vnd=fee_vnd, reason=FEE_REASON, requested_at=received_at, requested_by=by)
    if collected:
        paid = {"paid_at": received_at, "method": method, "receipt_no": number, "recorded_by": by}
        return FeeAtReceipt(
            status=DossierStatus.RECEIVED,
            fee=owed.model_copy(update=paid),
            note=(
                f"Đã thu {fee_vnd} đồng, {fee_method_label(method, in_sentence=True)}, "
                f"biên lai {number}"
            ),
        )
    due = calendar.add_working_days(received_at, deadline_working_days)
    return FeeAtReceipt(
        status=DossierStatus.AWAITING_FEE,
        fee=owed.model_copy(update={"due_at": due}),
        awaiting=True,
        due_at=due,
    )


def receipt_counters(
    agency: str,
    received_at: datetime,
    channel: Channel,
    *,
    reused: bool,
    fee_vnd: int,
    fee_awaited: bool,
) -> list[Counter]:
    """QĐ 766's monthly counts of a receipt, in the month it was received (Vietnam's time):
    received, by channel, with data reused from the e-data store, fee-bearing, fee requested."""
    month = month_key(received_at)
    counters: list[Counter] = [
        (agency, month, "received"),
        (agency, month, f"received_channel_{int(channel)}"),
    ]
    if reused:
        counters.append((agency, month, "reused"))
    if fee_vnd > 0:
        counters.append((agency, month, "fee_dossiers"))
    if fee_awaited:
        counters.append((agency, month, "fee_requested"))
    return counters
