"""A dossier's path through the service functions directly (no HTTP, no Step Functions): the
people who act, the steps they take, and the state machine's messages played by the test.

Works over any `Deps` whose workflow is a `MemoryWorkflow` (tokens and answers are read from it):
the in-memory store for fast tests, or the DynamoDB store on moto to keep the twin honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.dossier import Channel, Dossier
from chalicelib.services.models import AcceptIn, CompleteStepIn, CreateDossierIn, UploadIn
from chalicelib.workflow.messages import parse_message
from tests.support.memory import MemoryWorkflow
from tests.support.samples import FORM_EXAMPLES, sample_file

PROC = "2.001610"  # one step of 3 working days at H33.03, received at the desk H33.50
LEAD = "H33.03"


@dataclass(frozen=True)
class Person:
    """An actor as the API's Caller presents one (sub, username, role, unit, full name)."""

    sub: str
    username: str
    role: str
    unit: str | None = None
    name: str = ""


CITIZEN = Person("sub-congdan", "congdan", "citizen")
DESK = Person("sub-motcua", "motcua", "desk", "H33.50", "Lê Thị Mai")
AGENCY = Person("sub-sokhdt", "sokhdt", "agency", LEAD, "Trần Văn Bình")
LEADER = Person("sub-lanhdao", "lanhdaosokhdt", "leader", LEAD, "Phạm Văn Cường")
FEE_PAID = AcceptIn(fee_collected=True, fee_method="cash", receipt_no="BL-TEST-1")


def vn(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A 2026 wall time in Vietnam (UTC+7) as a UTC instant."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


class Clock:
    """The legal (and wall) clock the services read; tests move it, never sleep."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def submit_online(deps: Any, procedure: str = PROC, person: Person = CITIZEN) -> Dossier:
    """Draft, every required paper uploaded (a real file) and accepted, then submitted: status 1."""
    from chalicelib.services.dossier import dossiers

    proc = deps.store.get_procedure(procedure)
    draft = dossiers.create_draft(
        deps,
        person,
        CreateDossierIn.model_validate(
            {
                "procedure_code": procedure,
                "applicant": {
                    "name": "Nguyễn Văn An",
                    "id_number": "093090001234",
                    "address": "Phường V, TP Vị Thanh",
                    "phone": "0901234567",
                    "email": "an@example.com",
                },
                "form_data": FORM_EXAMPLES[procedure],
            }
        ),
        Channel.ONLINE,
    )
    for doc in proc.documents:
        if not doc.required:
            continue
        content, ctype, ext = sample_file(list(doc.accepted_types))
        slot = UploadIn(
            document_id=doc.id, filename=f"{doc.id}.{ext}", content_type=ctype, size=len(content)
        )
        att, _post = dossiers.request_upload(deps, person, draft.id, slot)
        deps.files.upload(att.key, content, ctype)
        done = dossiers.finalize_attachment(deps, person, draft.id, att.id)
        assert done.state.value == "accepted", done.reason
    return dossiers.submit(deps, person, draft.id)


def deliver(deps: Any, body: dict[str, Any]) -> str:
    """One message of the state machine with a new task token; returns the token."""
    from chalicelib.services.dossier import processing

    workflow: MemoryWorkflow = deps.workflow
    token = workflow.token()
    processing.on_workflow_message(deps, parse_message({**body, "taskToken": token}))
    return token


def step_message(d: Dossier, kind: str, **fields: Any) -> dict[str, Any]:
    """The body the ASL sends for the dossier's first step (`timer` or `agency_task`)."""
    step = d.steps[0]
    return {
        "type": kind,
        "dossierId": d.id,
        "dossierCode": d.code,
        "stepId": step.step_id,
        "stageIndex": step.stage,
        "agency": step.agency,
        **fields,
    }


def open_first_task(deps: Any, d: Dossier) -> tuple[str, str]:
    """Play the execution's first step: the Timer's `start`, then the agency task with the alarm
    the answer named. Returns (timer token, agency task token)."""
    timer = deliver(deps, step_message(d, "timer", fired="start"))
    answer = deps.workflow.answers[timer]
    task = deliver(deps, step_message(d, "agency_task", alarm=answer["kind"]))
    return timer, task


def approve(deps: Any, d: Dossier, note: str = "Đủ điều kiện.") -> Dossier:
    """The lead agency approves the dossier's first step."""
    from chalicelib.services.dossier import processing

    return processing.complete_step(
        deps, AGENCY, d.id, d.steps[0].step_id, CompleteStepIn(outcome="approve", note=note)
    )


def spine(deps: Any, clock: Clock) -> dict[str, Any]:
    """Submit online, accept at the desk, open the task, approve: what each stage left, in a form
    two stores can be compared by (no ids, tokens or random lookup codes)."""
    from chalicelib.services.dossier import dossiers

    # Each action at its own instant: the table orders one dossier's history by time, and events
    # of separate transactions at the same instant in no fixed order.
    clock.at = vn(10, 8, 50)  # Tue 10/11/2026 08:50
    submitted = submit_online(deps)
    clock.at = vn(10, 9)
    accepted = dossiers.accept(deps, DESK, submitted.id, FEE_PAID)
    clock.at = vn(10, 9, 5)  # the execution starts the step a few minutes later
    open_first_task(deps, accepted)
    opened = deps.store.get_dossier(accepted.id)
    clock.at = vn(12, 15)  # Thu 15:00
    done = approve(deps, opened)
    month = "2026-11"
    return {
        "statuses": [int(x.status) for x in (submitted, accepted, opened, done) if x.status],
        "versions": [x.version for x in (submitted, accepted, opened, done)],
        "code": accepted.code,
        "appointment_at": accepted.appointment_at,
        "step_due_at": opened.steps[0].due_at,
        "history": [(e.action, e.actor, e.actor_name) for e in deps.store.history(done.id)],
        "people": done.people,
        "counters": deps.store.counters(LEAD, month),
        "task": (lambda t: (t.state, t.outcome, t.version))(
            deps.store.get_task(done.id, done.steps[0].step_id)
        ),
        "answers": list(deps.workflow.answers.values()),
        "register": [x.code for x in deps.store.list_register("H33.50", month)],
    }
