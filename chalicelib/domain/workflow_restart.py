"""Restarting a dossier's failed workflow: what the new execution must still run.

Pure rules (no AWS): the remaining stages of a dossier, the lowest stage a `return` may go back to
in the new execution, which workflow event is the latest, and the new execution's name suffix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chalicelib.domain.dossier import DossierStep, HistoryEvent, StepState

FAILED = "workflow_failed"
RESTARTED = "workflow_restarted"
WORKFLOW_EVENTS = frozenset({FAILED, RESTARTED})


@dataclass(frozen=True)
class Remaining:
    """The stages a restarted execution runs, renumbered from 0 (each a list of steps, more than
    one = a parallel group), and `return_floor`: the lowest original stage a step may send the
    dossier back to. The new execution holds no stage before its first one, nor the finished
    steps of its first stage, so a return may not go back into them."""

    stages: list[list[DossierStep]]
    return_floor: int


def remaining_stages(steps: Sequence[DossierStep]) -> Remaining:
    """The stages that still have a step not done, in order; within each only the steps not done
    (the first one may be partial: a parallel group whose other steps already finished)."""
    by_stage: dict[int, list[DossierStep]] = {}
    for s in steps:
        by_stage.setdefault(s.stage, [])
    for s in steps:
        if s.state is not StepState.DONE:
            by_stage[s.stage].append(s)
    stages = [by_stage[k] for k in sorted(by_stage) if by_stage[k]]
    if not stages:
        return Remaining([], max(by_stage, default=0) + 1)
    first = stages[0][0].stage
    complete = len(stages[0]) == sum(1 for s in steps if s.stage == first)
    return Remaining(stages, first if complete else first + 1)


def latest_workflow_event(history: Iterable[HistoryEvent]) -> str | None:
    """`workflow_failed`, `workflow_restarted` or None: the last of them in the history."""
    last: str | None = None
    for e in history:
        if e.action in WORKFLOW_EVENTS:
            last = e.action
    return last


def restart_count(history: Iterable[HistoryEvent]) -> int:
    return sum(1 for e in history if e.action == RESTARTED)


def restart_suffix(n: int) -> str:
    """The execution name suffix of the n-th restart (n >= 1); the first execution has none."""
    return f"-r{n}" if n > 0 else ""
