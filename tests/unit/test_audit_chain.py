"""The audit chain, pure: any edit, deletion, reordering or head change is found, and where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.audit import (
    GENESIS,
    AuditEvent,
    canonical_json,
    chain_hash,
    local_day,
    next_event,
    verify_chain,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 30, 16, 59, 59, tzinfo=UTC)  # 23:59:59 in Vietnam
STREAM = "DOSSIER#d1"


def chain(n: int, stream: str = STREAM) -> list[AuditEvent]:
    out: list[AuditEvent] = []
    head: tuple[int, str] | None = None
    for i in range(n):
        ev = next_event(
            head,
            stream=stream,
            at=T0 + timedelta(seconds=i),
            actor="motcua",
            actor_role="desk",
            actor_unit="H33.50",
            action=f"act{i}",
            dossier_id="d1",
            detail={"i": i, "note": "Đủ điều kiện"},
        )
        out.append(ev)
        head = (ev.seq, ev.hash)
    return out


def head_of(events: list[AuditEvent]) -> tuple[int, str]:
    return events[-1].seq, events[-1].hash


def stored(ev: AuditEvent, key_seq: int | None = None) -> AuditEvent:
    """Round-trip through the stored form, as the store reads it back."""
    return AuditEvent.from_stored(
        canonical_json(ev.body()), ev.hash, stream=ev.stream, key_seq=key_seq or ev.seq
    )


def test_canonical_json_is_sorted_compact_and_keeps_vietnamese() -> None:
    assert canonical_json({"b": 1, "a": "Đủ"}) == '{"a":"Đủ","b":1}'
    assert chain_hash({"a": 1}) == chain_hash({"a": 1}) != chain_hash({"a": 2})


def test_first_event_links_to_genesis_and_the_next_to_it() -> None:
    a, b = chain(2)
    assert (a.seq, a.prev_hash) == (1, GENESIS)
    assert (b.seq, b.prev_hash) == (2, a.hash)
    assert a.hash == chain_hash(a.body()) and len(a.hash) == 64
    assert a.at == "2026-11-30T16:59:59.000000Z"
    assert local_day(a.at) == "2026-11-30" and local_day(b.at) == "2026-12-01"


def test_intact_chain_verifies() -> None:
    events = [stored(e) for e in chain(5)]
    report = verify_chain(events, head_of(events), stream=STREAM)
    assert report.ok and report.checked == 5 and report.first_broken is None


def test_empty_stream_without_head_is_ok_but_a_head_without_events_is_not() -> None:
    assert verify_chain([], None, stream=STREAM).ok
    report = verify_chain([], (1, "x" * 64), stream=STREAM)
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.reason) == (1, "head_mismatch")


def test_edited_content_is_a_hash_mismatch_at_that_seq() -> None:
    events = chain(5)
    edited = events[2].model_copy(update={"detail": {"i": 99}})
    report = verify_chain([*events[:2], edited, *events[3:]], head_of(events), stream=STREAM)
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.reason) == (3, "hash_mismatch")
    assert report.checked == 2


def test_edit_with_recomputed_hash_breaks_the_next_link() -> None:
    events = chain(5)
    body = {**events[2].body(), "detail": {"i": 99}}
    forged = AuditEvent(**body, hash=chain_hash(body))
    report = verify_chain([*events[:2], forged, *events[3:]], head_of(events), stream=STREAM)
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.reason) == (4, "prev_hash_mismatch")


def test_deleted_middle_event_is_a_sequence_gap() -> None:
    events = chain(5)
    report = verify_chain([*events[:2], *events[3:]], head_of(events), stream=STREAM)
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.reason) == (3, "sequence_gap")


def test_swapped_events_are_a_link_mismatch() -> None:
    e = chain(5)
    # The items keep their keys (positions 2 and 3) but hold each other's data.
    swapped = [e[0], stored(e[2], key_seq=2), stored(e[1], key_seq=3), e[3], e[4]]
    report = verify_chain(swapped, head_of(e), stream=STREAM)
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.reason) == (2, "prev_hash_mismatch")


def test_deleted_newest_event_is_a_head_mismatch() -> None:
    events = chain(5)
    report = verify_chain(events[:4], head_of(events), stream=STREAM)
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.reason) == (5, "head_mismatch")


def test_edited_head_or_missing_head_is_a_head_mismatch() -> None:
    events = chain(3)
    bad = verify_chain(events, (3, "f" * 64), stream=STREAM)
    assert bad.first_broken is not None and bad.first_broken.reason == "head_mismatch"
    gone = verify_chain(events, None, stream=STREAM)
    assert gone.first_broken is not None and gone.first_broken.reason == "head_mismatch"
    ahead = verify_chain([*events, *chain(4)[3:]], (3, events[2].hash), stream=STREAM)
    assert ahead.first_broken is not None
    assert (ahead.first_broken.seq, ahead.first_broken.reason) == (4, "head_mismatch")


def test_unreadable_or_non_canonical_stored_data_is_an_edit() -> None:
    ev = chain(1)[0]
    garbled = AuditEvent.from_stored("{not json", ev.hash, stream=STREAM, key_seq=1)
    extra = AuditEvent.from_stored(
        canonical_json({**ev.body(), "x": 1}), ev.hash, stream=STREAM, key_seq=1
    )
    spaced = AuditEvent.from_stored(
        canonical_json(ev.body()).replace(",", ", "), ev.hash, stream=STREAM, key_seq=1
    )
    for bad in (garbled, extra, spaced):
        report = verify_chain([bad], (1, ev.hash), stream=STREAM)
        assert report.first_broken is not None
        assert (report.first_broken.seq, report.first_broken.reason) == (1, "hash_mismatch")


def test_event_of_another_stream_does_not_fit() -> None:
    mine, theirs = chain(3), chain(3, stream="DOSSIER#d2")
    report = verify_chain([mine[0], theirs[1], mine[2]], head_of(mine), stream=STREAM)
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.reason) == (2, "prev_hash_mismatch")


def test_partial_read_trusts_only_the_anchor_backward_link() -> None:
    events = chain(6)
    tail = events[2:]
    assert verify_chain(tail, head_of(events), stream=STREAM, start_prev_hash=None, start_seq=3).ok
    report = verify_chain(
        [tail[0], *tail[2:]], head_of(events), stream=STREAM, start_prev_hash=None, start_seq=3
    )
    assert report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.reason) == (4, "sequence_gap")


TAMPER = st.sampled_from(["edit", "delete", "swap", "drop_newest"])


@settings(max_examples=150, deadline=None)
@given(n=st.integers(min_value=2, max_value=12), data=st.data(), how=TAMPER)
def test_any_single_tampering_is_reported_at_or_before_the_touched_seq(
    n: int, data: st.DataObject, how: str
) -> None:
    events = [stored(e) for e in chain(n)]
    head = head_of(events)
    i = data.draw(st.integers(min_value=0, max_value=n - 2), label="index")
    if how == "edit":
        events[i] = events[i].model_copy(update={"action": "forged"})
        expected = (i + 1, "hash_mismatch")
    elif how == "delete":
        del events[i]
        expected = (i + 1, "sequence_gap")
    elif how == "swap":
        a, b = events[i], events[i + 1]
        events[i], events[i + 1] = stored(b, key_seq=a.seq), stored(a, key_seq=b.seq)
        expected = (i + 1, "prev_hash_mismatch") if i > 0 else (1, "prev_hash_mismatch")
    else:
        events.pop()
        expected = (n, "head_mismatch")
    report = verify_chain(events, head, stream=STREAM)
    assert not report.ok and report.first_broken is not None
    assert (report.first_broken.seq, report.first_broken.reason) == expected
