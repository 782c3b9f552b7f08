"""In-memory twins of the dossier store, the attachment files and the workflow, for fast tests of
the services (`dossiers`, `processing`, `decisions`) without moto.

`MemoryStore` answers the part of `DynamoStore` those services call, with the same rules:

- every write that DynamoDB conditions is conditioned here the same way: a dossier or task put
  with a version that is no longer the stored one raises the same 409 `version_conflict`
  (`Conflict`), a task written with version 0 must not exist yet, a daily sequence must still be
  at the value read before (else `SequenceTaken`, as when the dossier's own check passed);
- `apply` is all or nothing: every condition is checked before anything is written, so a refused
  change leaves the dossier, history, counters, tasks, register and sequence as they were;
- what is stored is the JSON the domain models dump, and every read builds a new object, so a
  caller that mutates what it read (as `request_upload` does) changes nothing until it saves;
- the after-commit hook (`on_applied`), the officials named by events (`record_people`) and the
  retention end of a dossier that became final are applied as `DynamoStore` applies them.

Not twinned (the moto suite tests them): the audit hash chain (events are kept in `audit` in
order, unchained), encryption of personal data, and index eventual consistency.
`MemoryWorkflow` records each started execution and each answer to a task token; it hands out
tokens for the test to play the state machine's messages, and a token answered once is stale
afterwards, as Step Functions says of a task that is no longer waiting.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.dossier import Dossier, HistoryEvent, record_people
from chalicelib.domain.dossier_code import lookup_forms
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.procedure import Procedure, Unit
from chalicelib.domain.statuses import DossierStatus
from chalicelib.settings import Settings
from chalicelib.store.files import ObjectFacts, detect_type
from chalicelib.store.table import AgencyTask, Change, SequenceTaken
from chalicelib.workflow.executions import StaleTaskToken, execution_arn, execution_name

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def version_conflict() -> Conflict:
    """The 409 DynamoStore raises when an optimistic lock fails (same code and messages)."""
    return Conflict(
        "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại và thử lại.",
        "The record was changed by someone else. Reload and try again.",
        code="version_conflict",
    )


def _task_copy(t: AgencyTask, **changes: Any) -> AgencyTask:
    return AgencyTask(**copy.deepcopy({**t.__dict__, **changes}))


class MemoryWaitTokens:
    """The applicant-wait token of each dossier (store/waits.py's contract): newest wins, and a
    delete removes only the token it names."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, str]] = {}

    def put(self, dossier_id: str, kind: str, token: str) -> None:
        self.items[dossier_id] = (kind, token)

    def get(self, dossier_id: str) -> tuple[str, str] | None:
        return self.items.get(dossier_id)

    def delete(self, dossier_id: str, token: str) -> None:
        held = self.items.get(dossier_id)
        if held is not None and held[1] == token:
            del self.items[dossier_id]


class MemoryStore:
    """The dossier store in memory: see the module docstring for the semantics kept."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.on_applied: Callable[[Dossier, list[HistoryEvent]], None] | None = None
        self.procedures: dict[tuple[str, int | None], str] = {}  # (code, version|None=latest)
        self.units: dict[str, tuple[str, int]] = {}
        self.calendar: dict[str, Any] | None = None
        self.dossiers: dict[str, str] = {}  # id -> Dossier JSON
        self.events: dict[str, list[str]] = {}  # id -> HistoryEvent JSON, in order
        self.audit: list[tuple[str, HistoryEvent]] = []
        self.tasks: dict[tuple[str, str], AgencyTask] = {}
        self.sequences: dict[str, int] = {}
        self.counter_items: dict[tuple[str, str, str], dict[str, int]] = {}
        self.register: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.waits = MemoryWaitTokens()
        self.applied = 0  # committed transactions
        self._lock = threading.RLock()
        self._turns: dict[str, threading.Lock] = {}

    # ---- catalogue ---------------------------------------------------------------------
    def put_procedure(self, proc: Procedure) -> None:
        data = proc.model_dump_json()
        self.procedures[(proc.code, proc.version)] = data
        self.procedures[(proc.code, None)] = data

    def get_procedure(self, code: str, version: int | None = None) -> Procedure:
        data = self.procedures.get((code, version))
        if data is None:
            raise NotFound(
                f"Không tìm thấy thủ tục {code}.", f"Procedure {code} not found.", field="code"
            )
        return Procedure.model_validate_json(data)

    def put_unit(self, unit: Unit) -> None:
        self.units[unit.code] = (unit.model_dump_json(), 1)

    def get_unit(self, code: str) -> Unit | None:
        item = self.units.get(code)
        return Unit.model_validate_json(item[0]) if item else None

    def list_units(self) -> list[Unit]:
        return [Unit.model_validate_json(data) for data, _ in sorted(self.units.values())]

    def put_calendar(
        self,
        data: dict[str, Any],
        entries: list[dict[str, Any]] | None = None,
        expected_version: int | None = None,
    ) -> int:
        self.calendar = json.loads(json.dumps(data))
        return (expected_version or 0) + 1

    def get_calendar(self) -> dict[str, Any] | None:
        return copy.deepcopy(self.calendar)

    # ---- dossiers ----------------------------------------------------------------------
    def _with_retention(self, d: Dossier) -> Dossier:
        """As DynamoStore: a dossier that just became final gets its retention end, once."""
        from chalicelib.domain.retention import periods, retention_until
        from chalicelib.domain.statuses import FINAL_STATUSES

        if d.retention_until is not None or d.status not in FINAL_STATUSES or d.tombstoned_at:
            return d
        try:
            field_name: str | None = self.get_procedure(d.procedure_code).field
        except NotFound:
            field_name = None
        until = retention_until(d, field_name, periods(self.settings.retention_years_json))
        return d.model_copy(update={"retention_until": until}) if until else d

    def _put_dossier(self, d: Dossier) -> None:
        self.dossiers[d.id] = self._with_retention(d).model_dump_json()

    def _version(self, dossier_id: str) -> int | None:
        data = self.dossiers.get(dossier_id)
        return None if data is None else Dossier.model_validate_json(data).version

    def create_dossier(self, d: Dossier) -> None:
        with self._lock:
            if d.id in self.dossiers:
                raise version_conflict()
            self._put_dossier(d)

    def get_dossier(self, dossier_id: str) -> Dossier:
        data = self.dossiers.get(dossier_id)
        if data is None:
            raise NotFound("Không tìm thấy hồ sơ.", "Dossier not found.", field="id")
        return Dossier.model_validate_json(data)

    def find_dossier_by_code(self, code: str) -> Dossier | None:
        for form in lookup_forms(code):
            for data in self.dossiers.values():
                d = Dossier.model_validate_json(data)
                if d.code == form:
                    return d
        return None

    def list_owner_dossiers(self, owner: str) -> list[Dossier]:
        mine = [d for d in self._all() if d.owner == owner]
        return sorted(mine, key=lambda d: (d.created_at, d.id), reverse=True)

    def list_desk_inbox(self, unit: str) -> list[Dossier]:
        inbox = [
            d for d in self._all() if d.status is DossierStatus.NEW and d.receiving_unit == unit
        ]
        return sorted(inbox, key=lambda d: (d.submitted_at is None, d.submitted_at, d.id))

    def _all(self) -> list[Dossier]:
        return [Dossier.model_validate_json(data) for data in self.dossiers.values()]

    def save_dossier(self, d: Dossier, expected_version: int) -> Dossier:
        with self._lock:
            if self._version(d.id) != expected_version:
                raise version_conflict()
            d = d.model_copy(update={"version": expected_version + 1})
            self._put_dossier(d)
            return self.get_dossier(d.id)

    def delete_draft(self, dossier_id: str, expected_version: int | None = None) -> None:
        with self._lock:
            data = self.dossiers.get(dossier_id)
            if data is not None:
                d = Dossier.model_validate_json(data)
                if d.status is not None or (
                    expected_version is not None and d.version != expected_version
                ):
                    raise version_conflict()
            elif expected_version is not None:
                raise version_conflict()
            self.dossiers.pop(dossier_id, None)

    def history(self, dossier_id: str) -> list[HistoryEvent]:
        events = [HistoryEvent.model_validate_json(e) for e in self.events.get(dossier_id, [])]
        return sorted(events, key=lambda e: e.at)  # the table's sort key starts with the time

    def add_event(self, dossier_id: str, event: HistoryEvent) -> None:
        with self._lock:
            self.events.setdefault(dossier_id, []).append(event.model_dump_json())
            self.audit.append((dossier_id, event))

    # ---- tasks -------------------------------------------------------------------------
    def get_task(self, dossier_id: str, step_id: str) -> AgencyTask | None:
        t = self.tasks.get((dossier_id, step_id))
        return _task_copy(t) if t else None

    def list_agency_tasks(self, agency: str) -> list[AgencyTask]:
        """Open tasks holding a token, by due time (the GSI3 the table keeps for them)."""
        open_ = [
            t for t in self.tasks.values() if t.agency == agency and t.state == "open" and t.token
        ]
        return [_task_copy(t) for t in sorted(open_, key=lambda t: (t.due_at, t.dossier_id))]

    def _task_lock_holds(self, t: AgencyTask, expected_version: int | None) -> bool:
        stored = self.tasks.get((t.dossier_id, t.step_id))
        if expected_version is None:
            return stored is None
        return stored is not None and stored.version == expected_version

    def put_task(self, t: AgencyTask, expected_version: int | None) -> AgencyTask:
        with self._lock:
            if not self._task_lock_holds(t, expected_version):
                raise version_conflict()
            new = _task_copy(t, version=(expected_version or 0) + 1)
            self.tasks[(t.dossier_id, t.step_id)] = new
            return _task_copy(new)

    def wait_tokens(self) -> MemoryWaitTokens:
        return self.waits

    # ---- sequences -----------------------------------------------------------------------
    def receipt_turn(self, key: str) -> AbstractContextManager[bool]:
        """One receipt at a time per daily number, within this process (store/turns.py's line)."""
        with self._lock:
            turn = self._turns.setdefault(key, threading.Lock())

        @contextmanager
        def held() -> Iterator[bool]:
            with turn:
                yield True

        return held()

    def current_sequence(self, key: str) -> int:
        return self.sequences.get(key, 0)

    # ---- the transaction -----------------------------------------------------------------
    def apply(self, change: Change, *, notify: bool = True) -> Dossier:
        """Dossier + history + counters (+ tasks, + sequence, + register line), or nothing."""
        with self._lock:
            saved = self._apply_once(change)
        if notify:
            self.notify_applied(saved, change)
        return saved

    def notify_applied(self, saved: Dossier, change: Change) -> None:
        if self.on_applied is not None and change.events:
            self.on_applied(saved, list(change.events))

    def _apply_once(self, change: Change) -> Dossier:
        # Every condition first, in the order DynamoDB reports them ...
        dossier_ok = self._version(change.dossier.id) == change.expected_version
        tasks_ok = all(self._task_lock_holds(t, t.version or None) for t in change.tasks)
        seq_ok = True
        if change.sequence is not None:
            key, value = change.sequence
            seq_ok = key not in self.sequences or self.sequences[key] == value - 1
        if not seq_ok and dossier_ok:
            raise SequenceTaken()
        if not (dossier_ok and tasks_ok and seq_ok):
            raise version_conflict()
        # ... then every write.
        people = record_people(change.dossier.people, change.events)
        d = change.dossier.model_copy(
            update={"version": change.expected_version + 1, "people": people}
        )
        self._put_dossier(d)
        for e in change.events:
            self.events.setdefault(d.id, []).append(e.model_dump_json())
            self.audit.append((d.id, e))
        for agency, month, metric in change.counters:
            item = self.counter_items.setdefault((agency, month, d.procedure_code), {})
            item[metric] = item.get(metric, 0) + 1
        for t in change.tasks:
            self.tasks[(t.dossier_id, t.step_id)] = _task_copy(t, version=t.version + 1)
        if change.sequence is not None:
            key, value = change.sequence
            self.sequences[key] = value
            if d.code and d.received_at is not None:
                month = d.received_at.astimezone(VN).strftime("%Y-%m")
                line = (d.received_at.isoformat(), d.code)
                self.register.setdefault((d.receiving_unit, month), []).append(line)
                self.register[(d.receiving_unit, month)].sort()
        self.applied += 1
        return self.get_dossier(d.id)

    def list_register(self, unit: str, month: str) -> list[Dossier]:
        codes = [code for _, code in self.register.get((unit, month), [])]
        found = [self.find_dossier_by_code(c) for c in codes]
        return [d for d in found if d is not None]

    def counters(self, agency: str, month: str) -> dict[str, dict[str, int]]:
        return {
            proc: dict(metrics)
            for (a, m, proc), metrics in self.counter_items.items()
            if a == agency and m == month
        }


@dataclass
class MemoryFiles:
    """Attachment objects by key; `upload` is what the browser's presigned POST would do."""

    bucket: str = "memory-attachments"
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    client: Any = None  # no S3 client: erasing a draft's objects is the moto suite's

    def presigned_post(
        self, key: str, content_type: str, max_bytes: int, expires: int
    ) -> dict[str, Any]:
        return {
            "url": f"memory://{self.bucket}",
            "fields": {"key": key, "Content-Type": content_type},
            "max_bytes": max_bytes,
            "expires": expires,
        }

    def upload(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = (body, content_type)

    def inspect(self, key: str) -> ObjectFacts:
        if key not in self.objects:
            return ObjectFacts(exists=False)
        body = self.objects[key][0]
        return ObjectFacts(exists=True, size=len(body), detected_type=detect_type(body[:16]))

    def read(self, key: str, max_bytes: int) -> bytes | None:
        item = self.objects.get(key)
        return item[0][:max_bytes] if item else None

    def get(self, key: str) -> bytes:
        return self.objects[key][0]

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = (body, content_type)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


STATE_MACHINE_ARN = "arn:aws:states:ap-southeast-1:123456789012:stateMachine:tthc-dossier"


@dataclass
class MemoryWorkflow:
    """Executions by name and the answers sent to each task token (see the module docstring)."""

    state_machine_arn: str = STATE_MACHINE_ARN
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def arn(self, dossier_code: str, suffix: str = "") -> str:
        return execution_arn(self.state_machine_arn, execution_name(dossier_code, suffix))

    def start(self, dossier_code: str, input: Mapping[str, Any], suffix: str = "") -> str:
        """A retried start returns the first execution (Step Functions: same name, one run)."""
        name = execution_name(dossier_code, suffix)
        self.executions.setdefault(name, json.loads(json.dumps(dict(input))))
        return execution_arn(self.state_machine_arn, name)

    def execution_input(self, dossier_code: str, suffix: str = "") -> dict[str, Any]:
        return self.executions[execution_name(dossier_code, suffix)]

    def token(self) -> str:
        """A new task token the state machine is now waiting on."""
        token = f"token-{next(self._ids)}"
        self.waiting.add(token)
        return token

    def send_success(self, token: str, output: Mapping[str, Any]) -> None:
        if token not in self.waiting:
            raise StaleTaskToken("TaskTimedOut", f"{token} is not waiting")
        self.waiting.discard(token)
        self.answers[token] = json.loads(json.dumps(dict(output)))

    def send_failure(self, token: str, error: str, cause: str) -> None:
        if token not in self.waiting:
            raise StaleTaskToken("TaskTimedOut", f"{token} is not waiting")
        self.waiting.discard(token)
        self.answers[token] = {"error": error, "cause": cause}

    def describe(self, execution_arn: str) -> dict[str, Any]:
        name = execution_arn.rsplit(":", 1)[-1]
        if name not in self.executions:
            from botocore.exceptions import ClientError

            error = {"Code": "ExecutionDoesNotExist", "Message": f"no execution {name}"}
            raise ClientError({"Error": error}, "DescribeExecution")
        return {"executionArn": execution_arn, "status": "RUNNING"}


def memory_deps(
    clock: Callable[[], Any], settings: Settings | None = None, *, demo: bool = True
) -> Any:
    """`Deps` over the twins (both clocks `clock`), the demo catalogue and calendar loaded."""
    from chalicelib.services.deps import Deps
    from infra.demo import load_catalogue

    settings = settings or Settings()
    store = MemoryStore(settings)
    if demo:
        load_catalogue(store)
    return Deps(
        store=store,  # type: ignore[arg-type]
        files=MemoryFiles(),  # type: ignore[arg-type]
        workflow=MemoryWorkflow(),  # type: ignore[arg-type]
        settings=settings,
        clock=clock,
        wall_clock=clock,
    )
