"""Dossier statuses with the national portal's codes, and the legal transitions between them.

The table is the rule: a move not listed raises IllegalTransition, never a silent change.
"""

from __future__ import annotations

from enum import IntEnum

from chalicelib.domain.errors import IllegalTransition


class DossierStatus(IntEnum):
    NEW = 1  # submitted online, awaiting the desk
    RECEIVED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    AWAITING_FEE = 6
    WITHDRAWN = 7
    STOPPED = 8
    PROCESSED = 9  # result ready
    RETURNED = 10  # result handed over

    @property
    def label_vi(self) -> str:
        return LABELS_VI[self]

    @property
    def label_en(self) -> str:
        return LABELS_EN[self]

    @property
    def is_open(self) -> bool:
        """Open dossiers are those an agency still owes work on (they carry the sparse open key)."""
        return self in OPEN_STATUSES


LABELS_VI: dict[DossierStatus, str] = {
    DossierStatus.NEW: "Mới đăng ký",
    DossierStatus.RECEIVED: "Đã tiếp nhận",
    DossierStatus.REFUSED: "Từ chối tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung",
    DossierStatus.AWAITING_FEE: "Chờ thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.PROCESSED: "Đã xử lý xong",
    DossierStatus.RETURNED: "Đã trả kết quả",
}

LABELS_EN: dict[DossierStatus, str] = {
    DossierStatus.NEW: "New",
    DossierStatus.RECEIVED: "Received",
    DossierStatus.REFUSED: "Refused",
    DossierStatus.PROCESSING: "Processing",
    DossierStatus.SUPPLEMENT_REQUESTED: "Supplement requested",
    DossierStatus.AWAITING_FEE: "Awaiting fee payment",
    DossierStatus.WITHDRAWN: "Withdrawn",
    DossierStatus.STOPPED: "Stopped",
    DossierStatus.PROCESSED: "Processed",
    DossierStatus.RETURNED: "Result returned",
}

S = DossierStatus

# from-status -> statuses it may move to
TRANSITIONS: dict[DossierStatus, frozenset[DossierStatus]] = {
    S.NEW: frozenset({S.RECEIVED, S.REFUSED, S.SUPPLEMENT_REQUESTED, S.WITHDRAWN}),
    S.RECEIVED: frozenset({S.PROCESSING, S.AWAITING_FEE, S.WITHDRAWN}),
    S.PROCESSING: frozenset(
        {S.SUPPLEMENT_REQUESTED, S.AWAITING_FEE, S.STOPPED, S.PROCESSED, S.WITHDRAWN}
    ),
    S.SUPPLEMENT_REQUESTED: frozenset({S.NEW, S.PROCESSING, S.REFUSED, S.WITHDRAWN, S.STOPPED}),
    S.AWAITING_FEE: frozenset({S.PROCESSING, S.RECEIVED, S.WITHDRAWN, S.STOPPED}),
    S.PROCESSED: frozenset({S.RETURNED}),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.STOPPED: frozenset(),
    S.RETURNED: frozenset(),
}

OPEN_STATUSES = frozenset({S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.AWAITING_FEE})
FINAL_STATUSES = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


def can_transition(current: DossierStatus, target: DossierStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: DossierStatus, target: DossierStatus) -> DossierStatus:
    """Return `target` if the move is legal, else raise IllegalTransition."""
    if not can_transition(current, target):
        raise IllegalTransition(
            f"Không thể chuyển hồ sơ từ trạng thái “{current.label_vi}” sang “{target.label_vi}”.",
            f"A dossier cannot move from “{current.label_en}” to “{target.label_en}”.",
            field="status",
        )
    return target
