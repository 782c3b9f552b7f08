"""How often a receipt waiting in line for the daily number looks again (store/turns.py)."""

from __future__ import annotations

import pytest

from chalicelib.store.turns import MAX_POLL_SECONDS, MIN_POLL_SECONDS, poll_interval

pytestmark = pytest.mark.unit


def test_far_back_in_the_line_polls_rarely_and_the_next_in_line_often() -> None:
    far = min(poll_interval(30, 3, 3.0, 0.0) for _ in range(50))
    near = max(poll_interval(1, 3, 3.0, 0.0) for _ in range(50))
    assert far >= MAX_POLL_SECONDS * 0.8  # 30 turns of ~1 s ahead: capped
    assert near <= 0.6  # one turn of ~1 s ahead: about half of it


def test_the_next_in_line_looks_again_soon_once_the_holder_is_due() -> None:
    # turns take ~1 s; the holder is already 0.99 s into its turn
    assert max(poll_interval(1, 3, 3.0, 0.99) for _ in range(50)) <= MIN_POLL_SECONDS * 1.2


def test_before_the_line_moves_the_wait_so_far_is_the_estimate() -> None:
    fresh = max(poll_interval(2, 0, 0.0, 0.0) for _ in range(50))
    stuck = min(poll_interval(2, 0, 4.0, 0.0) for _ in range(50))
    assert fresh <= 0.06  # a guess of a short turn: AWS-fast until shown otherwise
    assert stuck >= MAX_POLL_SECONDS * 0.8  # 2 turns of at least 4 s each ahead
