"""The workflow contract as types: the execution input, every message the state machine
(`state_machines/dossier.asl.json`) sends the service, and every answer the service sends back.

This is the one place that spells the wire names (`dossierId`, `taskToken`, ...): Python code uses
the snake_case attributes, and `wire()` gives the JSON the ASL reads. Pure pydantic, no boto3.
`tests/unit/test_workflow_messages.py` runs the ASL over sample answers and checks that every
`MessageBody` it can send parses here with no field left over, and that every path it reads from
an answer exists in these models, so the ASL and this module cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from chalicelib.domain.deadlines import TimerKind

PauseKind = Literal["supplement", "fee"]
"""What the applicant owes while the clock is paused (an `await` outcome's kind)."""

Fired = Literal["start", "rearm", "resume", TimerKind]
"""Why the Timer is asked: the step starts, dates moved, or the alarm it armed expired."""


class Wire(BaseModel):
    """A JSON object of the contract: snake_case in Python, the ASL's spelling on the wire."""

    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True)

    def wire(self) -> dict[str, Any]:
        """The JSON object as the state machine reads or sends it."""
        return self.model_dump(mode="json", by_alias=True)


# ---- the execution input ------------------------------------------------------------------
class _DossierRef(Wire):
    dossier_id: str = Field(alias="dossierId")
    dossier_code: str = Field(alias="dossierCode")


class StageStep(Wire):
    """One step of a stage: the Map's item (`$.step`)."""

    step_id: str = Field(alias="stepId")
    agency: str


class ExecutionInput(_DossierRef):
    """A dossier's execution: its stages in order (more than one step = a parallel group), and
    whether a fee owed at receipt must be paid first, within `fee_wait_seconds` (wall time)."""

    stages: list[list[StageStep]]
    await_fee: bool = Field(alias="awaitFee")
    fee_wait_seconds: int = Field(alias="feeWaitSeconds", ge=1)


# ---- answers: SendTaskSuccess outputs ------------------------------------------------------
class NextTimer(Wire):
    """The Timer's answer for a step that goes on: wake for `kind` in `after_seconds` wall s."""

    kind: TimerKind
    after_seconds: int = Field(alias="afterSeconds", ge=1)


class TimerEnd(Wire):
    """The Timer's answer for a dossier that has finished (withdrawn, stopped, processed)."""

    kind: Literal["end"] = "end"


class ApproveOutcome(Wire):
    outcome: Literal["approve"] = "approve"


class ReturnOutcome(Wire):
    outcome: Literal["return"] = "return"


class AwaitOutcome(Wire):
    """The applicant owes a supplement or a fee; `wait_seconds` is their own deadline."""

    outcome: Literal["await"] = "await"
    kind: PauseKind
    wait_seconds: int = Field(alias="waitSeconds", ge=1)


class RearmOutcome(Wire):
    outcome: Literal["rearm"] = "rearm"


class EndOutcome(Wire):
    outcome: Literal["end"] = "end"


class ResumeOutcome(Wire):
    outcome: Literal["resume"] = "resume"


TimerAnswer = Annotated[NextTimer | TimerEnd, Field(discriminator="kind")]
StepOutcome = Annotated[
    ApproveOutcome | ReturnOutcome | AwaitOutcome | RearmOutcome | EndOutcome,
    Field(discriminator="outcome"),
]
"""An agency task's answer; also what the task item keeps until a token takes it."""
ApplicantAnswer = Annotated[ResumeOutcome | EndOutcome, Field(discriminator="outcome")]
TaskOutput = (
    NextTimer
    | TimerEnd
    | ApproveOutcome
    | ReturnOutcome
    | AwaitOutcome
    | RearmOutcome
    | EndOutcome
    | ResumeOutcome
)
"""Anything the service sends with SendTaskSuccess."""

_STEP_OUTCOME: TypeAdapter[StepOutcome] = TypeAdapter(StepOutcome)


def parse_outcome(raw: dict[str, Any]) -> StepOutcome:
    """A step outcome as the task item stored it (`wire()` of the outcome)."""
    return _STEP_OUTCOME.validate_python(raw)


# ---- messages the state machine sends ------------------------------------------------------
AnswerModels = tuple[type[Wire], ...]
"""The answers a message's task token may get (`answered_by`; the ASL test runs each)."""


class _StepRef(_DossierRef):
    step_id: str = Field(alias="stepId")
    stage_index: int = Field(alias="stageIndex")
    agency: str


class TimerMessage(_StepRef):
    """Ask for the step's next deadline (and activate it on `start`, record an expired alarm)."""

    answered_by: ClassVar[AnswerModels] = (NextTimer, TimerEnd)
    type: Literal["timer"] = "timer"
    fired: Fired
    task_token: str = Field(alias="taskToken")


class AgencyTaskMessage(_StepRef):
    """The step waits for its agency until the alarm `alarm` is due; keep the newest token."""

    answered_by: ClassVar[AnswerModels] = (
        ApproveOutcome,
        ReturnOutcome,
        AwaitOutcome,
        RearmOutcome,
        EndOutcome,
    )
    type: Literal["agency_task"] = "agency_task"
    alarm: TimerKind
    task_token: str = Field(alias="taskToken")


class _ApplicantRef(_DossierRef):
    """The applicant's turn: for a step (its id, stage, agency) or, for a fee owed at receipt,
    before any stage (no step, stage -1, no agency)."""

    kind: PauseKind
    step_id: str | None = Field(alias="stepId")
    stage_index: int = Field(alias="stageIndex")
    agency: str | None


class ApplicantWaitMessage(_ApplicantRef):
    """Hold the token until the applicant supplements or pays (or the dossier ends)."""

    answered_by: ClassVar[AnswerModels] = (ResumeOutcome, EndOutcome)
    type: Literal["applicant_wait"] = "applicant_wait"
    task_token: str = Field(alias="taskToken")


class ApplicantTimeoutMessage(_ApplicantRef):
    """The applicant missed their deadline: the service stops the dossier."""

    type: Literal["applicant_timeout"] = "applicant_timeout"


class DossierProcessedMessage(_DossierRef):
    """The last stage was approved: make and sign the result."""

    type: Literal["dossier_processed"] = "dossier_processed"


class TaskFailure(Wire):
    """Step Functions' error output, as a Catch puts it at `$.failure`."""

    error: str | None = Field(default=None, alias="Error")
    cause: str | None = Field(default=None, alias="Cause")


class WorkflowFailedMessage(_DossierRef):
    """A task failed for good and the execution is failing (the catch path)."""

    type: Literal["workflow_failed"] = "workflow_failed"
    failure: TaskFailure


class ResendOutcomeMessage(_DossierRef):
    """Not from the ASL: the service queues it when Step Functions was unavailable for an
    outcome already committed on the task item, to send that outcome later."""

    type: Literal["resend_outcome"] = "resend_outcome"
    step_id: str = Field(alias="stepId")


WorkflowMessage = Annotated[
    TimerMessage
    | AgencyTaskMessage
    | ApplicantWaitMessage
    | ApplicantTimeoutMessage
    | DossierProcessedMessage
    | WorkflowFailedMessage
    | ResendOutcomeMessage,
    Field(discriminator="type"),
]
"""Every message of the workflow queue, told apart by `type`."""

_MESSAGE: TypeAdapter[WorkflowMessage] = TypeAdapter(WorkflowMessage)


class InvalidWorkflowMessage(ValueError):
    """A queue message that is not one of the contract's: it cannot succeed on a retry, so it
    fails (and, after the queue's retries, dead-letters) with the fields that are wrong."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(message)'}: {e['msg']}" for e in errors
        )
        super().__init__(f"not a workflow message: {where}")


def parse_message(raw: str | bytes | dict[str, Any]) -> WorkflowMessage:
    """One queue message (its JSON body, or the decoded object) as its typed model."""
    try:
        if isinstance(raw, dict):
            return _MESSAGE.validate_python(raw)
        return _MESSAGE.validate_json(raw)
    except ValidationError as exc:
        # No input values: a message carries task tokens and failure causes, not for the logs.
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        raise InvalidWorkflowMessage([dict(e) for e in errors]) from None
