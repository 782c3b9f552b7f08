"""The status transition table: legal moves pass, others raise, finals are final."""

from __future__ import annotations

from collections import deque
from itertools import product

import pytest

from chalicelib.domain.errors import DomainError, IllegalTransition
from chalicelib.domain.statuses import (
    FINAL_STATUSES,
    LABELS_EN,
    LABELS_VI,
    OPEN_STATUSES,
    TRANSITIONS,
    DossierStatus,
    can_transition,
    check_transition,
)

pytestmark = pytest.mark.unit

S = DossierStatus
ALL_PAIRS = list(product(DossierStatus, DossierStatus))
LEGAL = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a]]


def test_status_codes_match_the_national_portal() -> None:
    assert {s.name: int(s) for s in DossierStatus} == {
        "NEW": 1,
        "RECEIVED": 2,
        "REFUSED": 3,
        "PROCESSING": 4,
        "SUPPLEMENT_REQUESTED": 5,
        "AWAITING_FEE": 6,
        "WITHDRAWN": 7,
        "STOPPED": 8,
        "PROCESSED": 9,
        "RETURNED": 10,
    }


def test_every_status_has_a_row_and_labels() -> None:
    assert set(TRANSITIONS) == set(DossierStatus)
    assert set(LABELS_VI) == set(DossierStatus)
    assert set(LABELS_EN) == set(DossierStatus)
    assert all(s.label_vi and s.label_en for s in DossierStatus)


@pytest.mark.parametrize(("current", "target"), LEGAL, ids=lambda s: s.name)
def test_legal_transition_passes(current: DossierStatus, target: DossierStatus) -> None:
    assert can_transition(current, target) is True
    assert check_transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=lambda s: s.name)
def test_illegal_transition_raises(current: DossierStatus, target: DossierStatus) -> None:
    assert can_transition(current, target) is False
    with pytest.raises(IllegalTransition) as info:
        check_transition(current, target)
    assert isinstance(info.value, DomainError)
    assert info.value.status == 409
    assert info.value.field == "status"
    assert current.label_vi in info.value.message_vi


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.RECEIVED),  # valid at the desk
        (S.NEW, S.REFUSED),  # form 03
        (S.PROCESSING, S.SUPPLEMENT_REQUESTED),  # supplement pauses the clock
        (S.SUPPLEMENT_REQUESTED, S.PROCESSING),  # citizen supplied, processing resumes
        (S.PROCESSING, S.PROCESSED),
        (S.PROCESSED, S.RETURNED),
    ],
)
def test_lifecycle_moves_from_the_regulation_are_legal(
    current: DossierStatus, target: DossierStatus
) -> None:
    assert can_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.PROCESSING),  # must be received first (no receipt, no processing)
        (S.RECEIVED, S.RETURNED),  # cannot hand over a result that does not exist
        (S.PROCESSED, S.PROCESSING),
        (S.NEW, S.NEW),
    ],
)
def test_shortcuts_are_illegal(current: DossierStatus, target: DossierStatus) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


def test_final_statuses_have_no_exits() -> None:
    assert {S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RETURNED} == FINAL_STATUSES
    for final in FINAL_STATUSES:
        assert TRANSITIONS[final] == frozenset()
        for target in DossierStatus:
            with pytest.raises(IllegalTransition):
                check_transition(final, target)


def test_every_status_is_reachable_from_new() -> None:
    seen = {S.NEW}
    queue = deque([S.NEW])
    while queue:
        for nxt in TRANSITIONS[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    assert seen == set(DossierStatus)


def test_every_non_final_status_can_still_reach_a_final_status() -> None:
    for start in set(DossierStatus) - FINAL_STATUSES:
        seen, queue = {start}, deque([start])
        while queue:
            for nxt in TRANSITIONS[queue.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        assert seen & FINAL_STATUSES, start


def test_open_statuses_are_not_final_and_report_is_open() -> None:
    assert not OPEN_STATUSES & FINAL_STATUSES
    assert {s for s in DossierStatus if s.is_open} == OPEN_STATUSES
    assert S.NEW.is_open is False
    assert S.PROCESSING.is_open is True
