"""The append-only, hash-chained audit log: events, their canonical form, and the chain verifier.

Pure (no boto3). Each stream (a dossier, a procedure, an account, the system) is its own chain so
appends never contend on one global item. An event's hash covers its canonical JSON, which includes
the previous event's hash, so editing, deleting or reordering any stored event breaks a link that
`verify_chain` finds; the stream's head (last seq and hash) catches deletion of the newest events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

GENESIS = "0" * 64
_VN = ZoneInfo("Asia/Ho_Chi_Minh")

Reason = Literal["hash_mismatch", "prev_hash_mismatch", "sequence_gap", "head_mismatch"]

# The fields the hash covers. `hash` itself is stored beside them, never inside.
BODY_FIELDS = (
    "stream",
    "seq",
    "at",
    "actor",
    "actor_role",
    "actor_unit",
    "action",
    "dossier_id",
    "detail",
    "prev_hash",
)


class AuditEvent(BaseModel):
    """One audit event as stored. `at` stays a string so verification re-hashes exactly it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stream: str
    seq: int
    at: str
    actor: str
    actor_role: str
    actor_unit: str | None = None
    action: str
    dossier_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str = ""  # the stored hash; recomputed and compared by the verifier
    key_seq: int | None = Field(default=None, exclude=True)  # seq in the item's key, if different
    intact: bool = Field(default=True, exclude=True)  # False: stored JSON unreadable/not canonical

    def body(self) -> dict[str, Any]:
        """What the hash covers."""
        return {name: getattr(self, name) for name in BODY_FIELDS}

    def computed_hash(self) -> str:
        return chain_hash(self.body())

    @property
    def position(self) -> int:
        """Where the store keeps it (its key); equals `seq` unless the item was tampered with."""
        return self.key_seq if self.key_seq is not None else self.seq

    @classmethod
    def from_stored(
        cls, data: str, stored_hash: str, *, stream: str, key_seq: int | None = None
    ) -> AuditEvent:
        """Rebuild from the stored JSON and hash.

        The stored text must be exactly the canonical JSON of known fields: an added key, a changed
        type or unparseable text is an edit too, so it comes back marked not intact (never raises).
        """
        try:
            obj = json.loads(data)
            ev = cls(**obj, hash=stored_hash, key_seq=key_seq)
            if canonical_json(ev.body()) == data:
                return ev
            return ev.model_copy(update={"intact": False})
        except (ValueError, TypeError):
            return cls(
                stream=stream,
                seq=key_seq or 0,
                at="",
                actor="",
                actor_role="",
                action="",
                prev_hash="",
                hash=stored_hash,
                key_seq=key_seq,
                intact=False,
            )


class BrokenLink(BaseModel):
    stream: str
    seq: int
    reason: Reason


class ChainReport(BaseModel):
    ok: bool
    checked: int
    first_broken: BrokenLink | None = None


def canonical_json(body: dict[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: one byte string per content, wherever computed."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def iso_at(at: datetime) -> str:
    """Fixed-width UTC ISO (microseconds, `Z`) so index sort keys order by time."""
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def local_day(at_iso: str) -> str:
    """The Vietnam calendar day of an event (the period index is by legal day)."""
    at = datetime.fromisoformat(at_iso.replace("Z", "+00:00"))
    return at.astimezone(_VN).strftime("%Y-%m-%d")


def next_event(
    prev_head: tuple[int, str] | None,
    *,
    stream: str,
    at: datetime,
    actor: str,
    actor_role: str,
    actor_unit: str | None,
    action: str,
    dossier_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """The event that follows `prev_head` (seq, hash) in `stream`, hashed; None = first event."""
    seq, prev_hash = (prev_head[0] + 1, prev_head[1]) if prev_head else (1, GENESIS)
    # Round-trip detail through JSON so what is hashed now equals what is read back later.
    clean = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    body = {
        "stream": stream,
        "seq": seq,
        "at": iso_at(at),
        "actor": actor,
        "actor_role": actor_role,
        "actor_unit": actor_unit,
        "action": action,
        "dossier_id": dossier_id,
        "detail": clean,
        "prev_hash": prev_hash,
    }
    return AuditEvent(**body, hash=chain_hash(body))


def verify_chain(
    events: Sequence[AuditEvent],
    head: tuple[int, str] | None,
    *,
    stream: str | None = None,
    start_prev_hash: str | None = GENESIS,
    start_seq: int = 1,
) -> ChainReport:
    """Walk `events` (in key order) and report the first broken link.

    `start_prev_hash=None` trusts the first event's backward link (a partial read that starts at
    the event before a period); its content and position are still checked. Order of checks at each
    position: content (hash_mismatch), position (sequence_gap: an event is missing), link
    (prev_hash_mismatch: an event was moved, reordered or replaced). Then the head must name the
    last event (head_mismatch: the newest were deleted, or the head was edited).
    """
    name = stream or (events[0].stream if events else "")
    prev = start_prev_hash
    expected = start_seq
    checked = 0

    def broken(seq: int, reason: Reason) -> ChainReport:
        return ChainReport(
            ok=False, checked=checked, first_broken=BrokenLink(stream=name, seq=seq, reason=reason)
        )

    for ev in events:
        if not ev.intact or ev.computed_hash() != ev.hash:
            return broken(ev.position, "hash_mismatch")
        if ev.position != expected:
            return broken(expected, "sequence_gap")
        moved = ev.seq != ev.position or ev.stream != name
        if moved or (prev is not None and ev.prev_hash != prev):
            return broken(expected, "prev_hash_mismatch")
        prev = ev.hash
        expected += 1
        checked += 1
    last_seq = expected - 1
    if head is None:
        if checked:
            return broken(last_seq, "head_mismatch")
        return ChainReport(ok=True, checked=0)
    head_seq, head_hash = head
    if head_seq != last_seq:
        return broken(min(head_seq, last_seq) + 1, "head_mismatch")
    if checked and head_hash != prev:
        return broken(last_seq, "head_mismatch")
    return ChainReport(ok=True, checked=checked)
