"""The state machine and `chalicelib/workflow/messages.py` describe the same contract.

The ASL is run here by a small interpreter of its data flow (Pass, Choice, Task, Map, Parallel;
JSONPath, the intrinsics it uses, `$$` context): from sample execution inputs, every wait task is
answered with every answer its message may get (`answered_by`, sample values of each model) and
every Catch is taken once. Each `MessageBody` it fills must parse into the union with no field
left undeclared, every path the ASL reads after an answer must exist in it, and no answer the
service can send may end in a Fail state. A new message shape in the ASL, a model field the ASL
does not send, or an answer field the ASL reads and the models lack, fails a test here.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from chalicelib.domain.deadlines import TimerKind
from chalicelib.workflow import messages as m
from infra.resources import STATE_MACHINES_DIR

ASL: dict[str, Any] = json.loads((STATE_MACHINES_DIR / "dossier.asl.json").read_text("utf-8"))
EXAMPLE: dict[str, Any] = json.loads(
    (STATE_MACHINES_DIR / "dossier.example-input.json").read_text("utf-8")
)

# Messages the service sends to itself, never the ASL.
SERVICE_ONLY: set[type[BaseModel]] = {m.ResendOutcomeMessage}

# Sample values of every answer model (a new answer model needs one: see the test below).
ANSWER_SAMPLES: dict[type[m.Wire], list[m.Wire]] = {
    m.NextTimer: [m.NextTimer(kind=k, after_seconds=600) for k in get_args(TimerKind)],
    m.TimerEnd: [m.TimerEnd()],
    m.ApproveOutcome: [m.ApproveOutcome()],
    m.ReturnOutcome: [m.ReturnOutcome()],
    m.AwaitOutcome: [
        m.AwaitOutcome(kind="supplement", wait_seconds=1_296_000),
        m.AwaitOutcome(kind="fee", wait_seconds=1),
    ],
    m.RearmOutcome: [m.RearmOutcome()],
    m.EndOutcome: [m.EndOutcome()],
    m.ResumeOutcome: [m.ResumeOutcome()],
}
FAILURE = {"Error": "States.TaskFailed", "Cause": "Hàng đợi không phản hồi sau 5 lần thử."}


def _union_members(annotated: Any) -> tuple[type[BaseModel], ...]:
    union, *_ = get_args(annotated)
    return tuple(get_args(union))


MESSAGE_MODELS = _union_members(m.WorkflowMessage)
MODEL_OF_TYPE = {cls.model_fields["type"].default: cls for cls in MESSAGE_MODELS}


def _aliases(cls: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in cls.model_fields.items()}


# ---- JSONPath, intrinsics and payload templates ---------------------------------------------
class Unresolved(Exception):
    """A path the ASL reads is not in the state (Step Functions would fail States.Runtime)."""


_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\*|\d+)\]")


def read_path(path: str, data: Any, context: dict[str, Any]) -> Any:
    """`$`, `$.a.b`, `$[0]`, `$[*].a` on the state; `$$.Task.Token` etc. on the context."""
    root, rest = (context, path[2:]) if path.startswith("$$") else (data, path[1:])
    if not path.startswith("$"):
        raise AssertionError(f"not a JSONPath: {path!r}")
    values, many = [root], False
    pos = 0
    while pos < len(rest):
        step = _STEP.match(rest, pos)
        if step is None:
            raise AssertionError(f"JSONPath the filler cannot read: {path!r}")
        pos = step.end()
        name, index = step.groups()
        out = []
        for v in values:
            if name is not None:
                if not isinstance(v, dict) or name not in v:
                    raise Unresolved(path)
                out.append(v[name])
            elif index == "*":
                if not isinstance(v, list):
                    raise Unresolved(path)
                out.extend(v)
                many = True
            else:
                if not isinstance(v, list) or int(index) >= len(v):
                    raise Unresolved(path)
                out.append(v[int(index)])
        values = out
    return values if many else values[0]


_TOKEN = re.compile(
    r"\s*(?:(?P<fn>States\.\w+)\(|(?P<close>\))|(?P<comma>,)|'(?P<str>(?:\\.|[^'\\])*)'"
    r"|(?P<path>\$\$?[^,()\s]*)|(?P<num>-?\d+(?:\.\d+)?)|(?P<lit>true|false|null))"
)


def _intrinsic(name: str, args: list[Any]) -> Any:
    if name == "States.Format":
        parts = args[0].split("{}")
        assert len(parts) == len(args), f"States.Format arity: {args}"
        text = parts[0]
        for arg, part in zip(args[1:], parts[1:], strict=True):
            text += (arg if isinstance(arg, str) else json.dumps(arg)) + part
        return text
    known = {
        "States.ArrayLength": lambda a: len(a[0]),
        "States.ArrayGetItem": lambda a: a[0][a[1]],
        "States.ArrayContains": lambda a: a[1] in a[0],
        "States.MathAdd": lambda a: a[0] + a[1],
        "States.Array": lambda a: list(a),
        "States.JsonToString": lambda a: json.dumps(a[0], separators=(",", ":")),
        "States.StringToJson": lambda a: json.loads(a[0]),
        "States.UUID": lambda a: "6f2b2f0e-1c7a-4c3e-9a55-2f1d6f7c9b10",
    }
    if name not in known:
        raise AssertionError(f"the filler does not know the intrinsic {name}: teach it")
    return known[name](args)


def evaluate(expr: str, data: Any, context: dict[str, Any]) -> Any:
    """The value of a `.$` field: a JSONPath or an intrinsic call (nested, with literals)."""
    if not expr.startswith("States."):
        return read_path(expr, data, context)
    tokens = [t for t in _TOKEN.finditer(expr)]
    assert "".join(t.group(0) for t in tokens).strip() == expr.strip(), f"cannot parse {expr!r}"
    stream = iter(tokens)

    def call(name: str) -> Any:
        args: list[Any] = []
        for tok in stream:
            if tok["close"]:
                return _intrinsic(name, args)
            if tok["comma"]:
                continue
            if tok["fn"]:
                args.append(call(tok["fn"]))
            elif tok["str"] is not None:
                args.append(re.sub(r"\\(.)", r"\1", tok["str"]))
            elif tok["path"]:
                args.append(read_path(tok["path"], data, context))
            elif tok["num"]:
                args.append(json.loads(tok["num"]))
            else:
                args.append(json.loads(tok["lit"]))
        raise AssertionError(f"unclosed intrinsic in {expr!r}")

    first = next(stream)
    assert first["fn"], expr
    return call(first["fn"])


def fill(template: Any, data: Any, context: dict[str, Any]) -> Any:
    """A Parameters/ItemSelector/ResultSelector template with every `"x.$"` resolved."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = evaluate(value, data, context)
            else:
                out[key] = fill(value, data, context)
        return out
    if isinstance(template, list):
        return [fill(v, data, context) for v in template]
    return template


def put(data: Any, result_path: str | None, result: Any) -> Any:
    """ResultPath: null keeps the input, `$` replaces it, `$.a.b` sets a field in a copy."""
    if result_path is None:
        return data
    if result_path == "$":
        return result
    names = result_path[2:].split(".")
    out = json.loads(json.dumps(data))
    node = out
    for name in names[:-1]:
        node = node.setdefault(name, {})
    node[names[-1]] = result
    return out


# ---- Choice rules ---------------------------------------------------------------------------
_COMPARE = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "GreaterThan": lambda a, b: a > b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThanEquals": lambda a, b: a >= b,
}
_KIND = {"String": str, "Numeric": (int, float), "Boolean": bool}


def rule_matches(rule: dict[str, Any], data: Any, context: dict[str, Any]) -> bool:
    if "And" in rule:
        return all(rule_matches(r, data, context) for r in rule["And"])
    if "Or" in rule:
        return any(rule_matches(r, data, context) for r in rule["Or"])
    if "Not" in rule:
        return not rule_matches(rule["Not"], data, context)
    ops = [k for k in rule if k not in ("Variable", "Next")]
    assert len(ops) == 1, f"one comparison per rule: {rule}"
    op = ops[0]
    if op == "IsPresent":
        try:
            read_path(rule["Variable"], data, context)
        except Unresolved:
            return not rule[op]
        return bool(rule[op])
    value = read_path(rule["Variable"], data, context)
    if op == "IsNull":
        return (value is None) == rule[op]
    comparand = rule[op]
    if op.endswith("Path"):
        op, comparand = op[: -len("Path")], read_path(comparand, data, context)
    kind = next((k for k in _KIND if op.startswith(k)), None)
    compare = _COMPARE.get(op[len(kind) :]) if kind else None
    if kind is None or compare is None:
        raise AssertionError(f"the filler does not know the Choice operator {op}: teach it")
    if not isinstance(value, _KIND[kind]) or (kind != "Boolean" and isinstance(value, bool)):
        return False
    return bool(compare(value, comparand))


# ---- the interpreter ------------------------------------------------------------------------
@dataclass
class Run:
    """What an exploration saw: each MessageBody filled (by state), and every problem."""

    bodies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    answered: set[type[m.Wire]] = field(default_factory=set)
    reads_after_answer: dict[str, set[str]] = field(default_factory=dict)

    def body(self, state: str, body: dict[str, Any]) -> None:
        seen = self.bodies.setdefault(state, [])
        if body not in seen:
            seen.append(body)


def _key(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def _answers(state: str, body: dict[str, Any], run: Run) -> list[m.Wire]:
    try:
        message = m.parse_message(body)
    except m.InvalidWorkflowMessage as exc:
        run.problems.append(f"{state}: its MessageBody is not a workflow message: {exc}")
        return []
    cls = type(message)
    if not hasattr(cls, "answered_by"):
        run.problems.append(f"{state} waits for a token but {cls.__name__} has no answered_by")
        return []
    out: list[m.Wire] = []
    for answer_cls in cls.answered_by:
        run.answered.add(answer_cls)
        out.extend(ANSWER_SAMPLES[answer_cls])
    return out


def explore(machine: dict[str, Any], data: Any, context: dict[str, Any], run: Run) -> list[Any]:
    """Every reachable state of `machine` from `data`; returns the distinct outputs it ends with
    (without an injected error). Each (state, data) is visited once, so loops terminate."""
    states: dict[str, Any] = machine["States"]
    todo: list[tuple[str, Any, bool]] = [(machine["StartAt"], data, False)]
    seen: set[tuple[str, str, bool]] = set()
    outputs: dict[str, Any] = {}

    def go(state: dict[str, Any], nxt: Any, errored: bool) -> None:
        if state.get("End"):
            if not errored:
                outputs.setdefault(_key(nxt), nxt)
        else:
            todo.append((state["Next"], nxt, errored))

    while todo:
        name, data, errored = todo.pop()
        if (name, _key(data), errored) in seen:
            continue
        seen.add((name, _key(data), errored))
        state = states[name]
        ctx = {**context, "State": {"Name": name}, "Task": {"Token": f"token-{name}"}}
        kind = state["Type"]
        try:
            if kind == "Pass":
                result = (
                    fill(state["Parameters"], data, ctx)
                    if "Parameters" in state
                    else state.get("Result", data)
                )
                go(state, put(data, state.get("ResultPath", "$"), result), errored)
            elif kind == "Choice":
                target = next(
                    (c["Next"] for c in state["Choices"] if rule_matches(c, data, ctx)),
                    state.get("Default"),
                )
                if target is None:
                    run.problems.append(f"{name}: no Choice matches {data}")
                else:
                    todo.append((target, data, errored))
            elif kind == "Task":
                _task(name, state, data, ctx, errored, run, go, todo)
            elif kind in ("Map", "Parallel"):
                for result in _fan_out(name, state, data, ctx, run):
                    if "ResultSelector" in state:
                        result = fill(state["ResultSelector"], result, ctx)
                    go(state, put(data, state.get("ResultPath", "$"), result), errored)
                _catches(state, data, errored, todo)
            elif kind == "Wait":
                go(state, data, errored)
            elif kind == "Succeed":
                if not errored:
                    outputs.setdefault(_key(data), data)
            elif kind == "Fail":
                if not errored:
                    run.problems.append(f"the Fail state {name} is reached without an error")
            else:
                raise AssertionError(f"the filler does not know the state type {kind}")
        except Unresolved as exc:
            run.problems.append(f"{name} reads {exc}, which is not in its state {data}")
    return list(outputs.values())


def _catches(state: dict[str, Any], data: Any, errored: bool, todo: list[Any]) -> None:
    for catcher in state.get("Catch", []):
        error = catcher["ErrorEquals"][0]
        failure = {**FAILURE, "Error": "States.TaskFailed" if error == "States.ALL" else error}
        todo.append((catcher["Next"], put(data, catcher.get("ResultPath", "$"), failure), True))


def _task(
    name: str,
    state: dict[str, Any],
    data: Any,
    ctx: dict[str, Any],
    errored: bool,
    run: Run,
    go: Any,
    todo: list[Any],
) -> None:
    params = fill(state.get("Parameters", {}), data, ctx)
    for key in ("TimeoutSecondsPath", "HeartbeatSecondsPath"):
        if key in state:
            seconds = read_path(state[key], data, ctx)
            if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 1:
                run.problems.append(f"{name}: {key} {state[key]} is {seconds!r}, not seconds")
    results: list[Any] = [{"MessageId": "sample", "MD5OfMessageBody": "sample"}]
    if "MessageBody" in params:
        run.body(name, params["MessageBody"])
    if state["Resource"].endswith(".waitForTaskToken"):
        answers = _answers(name, params.get("MessageBody", {}), run)
        results = [a.wire() for a in answers]
        if state.get("ResultPath"):
            prefix = state["ResultPath"] + "."
            run.reads_after_answer.setdefault(name, set())
            for answer in answers:
                for alias in answer.wire():
                    run.reads_after_answer[name].add(prefix + alias)
    for result in results:
        if "ResultSelector" in state:
            result = fill(state["ResultSelector"], result, ctx)
        go(state, put(data, state.get("ResultPath", "$"), result), errored)
    _catches(state, data, errored, todo)


def _fan_out(
    name: str, state: dict[str, Any], data: Any, ctx: dict[str, Any], run: Run
) -> Iterator[Any]:
    """A Map's results: each item explored, then every outcome shared by all items; a
    Parallel's: every combination of its branches' outcomes."""
    if state["Type"] == "Parallel":
        ends = [explore(branch, data, ctx, run) for branch in state["Branches"]]
        yield from (list(combo) for combo in itertools.product(*ends))
        return
    items = read_path(state.get("ItemsPath", "$"), data, ctx)
    processor = state.get("ItemProcessor") or state["Iterator"]
    selector = state.get("ItemSelector") or state.get("Parameters")
    ends_per_item = []
    for i, item in enumerate(items):
        item_ctx = {**ctx, "Map": {"Item": {"Index": i, "Value": item}}}
        start = fill(selector, data, item_ctx) if selector else item
        ends_per_item.append({_key(e): e for e in explore(processor, start, ctx, run)})
    shared = set.intersection(*(set(e) for e in ends_per_item)) if ends_per_item else set()
    if not shared:
        run.problems.append(f"{name}: its items share no outcome")
    for key in sorted(shared):
        yield [ends_per_item[0][key]] * len(items)


# ---- the samples ----------------------------------------------------------------------------
def _inputs() -> list[dict[str, Any]]:
    """The example input, as is and with a fee owed first, through the model."""
    example = m.ExecutionInput.model_validate(EXAMPLE)
    owed = example.model_copy(update={"await_fee": True, "fee_wait_seconds": 86_400})
    return [example.wire(), owed.wire()]


def _run() -> Run:
    run = Run()
    for data in _inputs():
        context = {
            "Execution": {"Id": "arn:sample", "Name": data["dossierCode"], "Input": data},
            "StateMachine": {"Id": "arn:sample-machine", "Name": "tthc-dossier"},
        }
        explore(ASL, data, context, run)
    return run


RUN = _run()


def _machines(machine: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The machine and every nested one (Map iterators, Parallel branches)."""
    yield machine
    for state in machine["States"].values():
        for nested in [
            state.get("ItemProcessor"),
            state.get("Iterator"),
            *state.get("Branches", []),
        ]:
            if nested:
                yield from _machines(nested)


def _tasks() -> Iterator[tuple[dict[str, Any], str, dict[str, Any]]]:
    for machine in _machines(ASL):
        for name, state in machine["States"].items():
            if state["Type"] == "Task":
                yield machine, name, state


_PATH = re.compile(r"\$\.[\w.\[\]*]+")


def _paths_read(value: Any, key: str = "") -> Iterator[str]:
    """Every JSONPath a state reads: `.$` fields (intrinsics included), Choice variables and
    `*Path` fields (ResultPath writes, so it is not a read)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths_read(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _paths_read(v, key)
    elif isinstance(value, str) and key != "ResultPath":
        if key.endswith(".$") or key == "Variable" or key.endswith("Path"):
            yield from _PATH.findall(value)


# ---- the tests ------------------------------------------------------------------------------
def test_the_interpreter_ran_the_whole_machine_without_a_problem() -> None:
    assert RUN.problems == []
    with_body = {name for _, name, s in _tasks() if "MessageBody" in s.get("Parameters", {})}
    assert len(with_body) >= 8
    assert set(RUN.bodies) == with_body  # every MessageBody was filled at least once


def test_every_message_body_the_asl_sends_parses_with_every_field_declared() -> None:
    for state, bodies in RUN.bodies.items():
        for body in bodies:
            message = m.parse_message(body)  # a required field the ASL does not send fails here
            assert type(message).model_validate(body) == message
            undeclared = set(body) - _aliases(type(message))
            assert not undeclared, f"{state} sends {undeclared} that {type(message).__name__} lacks"
            assert message.wire() == {k: body[k] for k in message.wire()}, state


def test_the_union_holds_exactly_the_asl_messages_and_the_service_own() -> None:
    sent = {body["type"] for bodies in RUN.bodies.values() for body in bodies}
    assert {MODEL_OF_TYPE[t] for t in sent} | SERVICE_ONLY == set(MESSAGE_MODELS)
    for _, name, state in _tasks():  # each message type is declared literally in the ASL
        body = state.get("Parameters", {}).get("MessageBody")
        if body is not None:
            assert body.get("type") in MODEL_OF_TYPE, name


def test_every_answer_model_is_sampled_and_sent_to_some_wait() -> None:
    answers = {
        cls
        for annotated in (m.TimerAnswer, m.StepOutcome, m.ApplicantAnswer)
        for cls in _union_members(annotated)
    }
    assert answers == set(get_args(m.TaskOutput)) == set(ANSWER_SAMPLES)
    assert RUN.answered == answers  # each is the answer of some message the ASL sends


def test_every_field_the_asl_reads_from_an_answer_exists_in_its_models() -> None:
    for machine, name, state in _tasks():
        if not state["Resource"].endswith(".waitForTaskToken"):
            continue
        prefix = state["ResultPath"] + "."
        reads = {
            path
            for other in machine["States"].values()
            for path in _paths_read(other)
            if path.startswith(prefix)
        }
        fields = {p[len(prefix) :].split(".")[0] for p in reads}
        message = m.parse_message(RUN.bodies[name][0])
        declared = set().union(*(_aliases(cls) for cls in type(message).answered_by))
        assert fields, f"nothing reads {name}'s answer at {state['ResultPath']}"
        assert fields <= declared, f"{name}: the ASL reads {fields - declared} of no answer"
        assert declared <= fields, f"{name}: answer fields {declared - fields} are never read"


def test_the_outcomes_the_asl_compares_are_the_ones_the_service_sends() -> None:
    outcomes = {
        cls.model_fields["outcome"].default
        for annotated in (m.StepOutcome, m.ApplicantAnswer)
        for cls in _union_members(annotated)
    }
    compared = {
        rule["StringEquals"]
        for machine in _machines(ASL)
        for state in machine["States"].values()
        if state["Type"] == "Choice"
        for rule in state["Choices"]
        if rule.get("Variable", "").endswith(".outcome") and "StringEquals" in rule
    }
    assert compared <= outcomes  # resume is the Default of the applicant's wait
    assert outcomes - compared == {"resume"}


def test_the_execution_input_is_what_the_asl_reads_first() -> None:
    start = ASL["States"][ASL["StartAt"]]
    read = {p[2:].split(".")[0] for p in _paths_read(start)}
    assert read == _aliases(m.ExecutionInput)
    example = m.ExecutionInput.model_validate(EXAMPLE)
    assert json.dumps(example.wire()) == json.dumps(EXAMPLE)  # same JSON, same key order
    assert example.stages[1][1].step_id == "y-kien-so-tnmt"


def test_answers_on_the_wire_keep_their_spelling() -> None:
    assert m.NextTimer(kind="step_due_soon", after_seconds=100).wire() == {
        "kind": "step_due_soon",
        "afterSeconds": 100,
    }
    assert m.TimerEnd().wire() == {"kind": "end"}
    assert m.AwaitOutcome(kind="fee", wait_seconds=7).wire() == {
        "outcome": "await",
        "kind": "fee",
        "waitSeconds": 7,
    }
    for cls, word in [
        (m.ApproveOutcome, "approve"),
        (m.ReturnOutcome, "return"),
        (m.RearmOutcome, "rearm"),
        (m.EndOutcome, "end"),
        (m.ResumeOutcome, "resume"),
    ]:
        assert cls().wire() == {"outcome": word}
    stored = m.AwaitOutcome(kind="supplement", wait_seconds=60)
    assert m.parse_outcome(stored.wire()) == stored  # what the task item keeps reads back


def test_the_service_own_message_round_trips() -> None:
    resend = m.ResendOutcomeMessage(dossier_id="D-1", dossier_code="C-1", step_id="tham-dinh")
    body = json.dumps(resend.wire())
    assert json.loads(body) == {
        "dossierId": "D-1",
        "dossierCode": "C-1",
        "type": "resend_outcome",
        "stepId": "tham-dinh",
    }
    assert m.parse_message(body) == resend


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ('{"type": "no-such-type", "dossierId": "poison"}', "'no-such-type'"),
        ('{"dossierId": "D-1"}', "discriminator 'type'"),
        (
            '{"type": "timer", "dossierId": "D-1", "dossierCode": "C", "stepId": "s",'
            ' "stageIndex": 0, "agency": "A", "fired": "start"}',
            "timer.taskToken: Field required",
        ),
        (
            '{"type": "applicant_wait", "dossierId": "D-1", "dossierCode": "C", "kind": "cash",'
            ' "stepId": null, "stageIndex": -1, "agency": null, "taskToken": "secret-token"}',
            "applicant_wait.kind",
        ),
        ("not json", "Invalid JSON"),
    ],
)
def test_a_message_that_does_not_parse_is_a_clear_error(raw: str, says: str) -> None:
    with pytest.raises(m.InvalidWorkflowMessage) as caught:
        m.parse_message(raw)
    assert isinstance(caught.value, ValueError)
    assert says in str(caught.value)
    assert "secret-token" not in str(caught.value)  # no input values (tokens) in the error


def test_the_consumer_logs_and_fails_a_message_that_does_not_parse(
    capfd: pytest.CaptureFixture[str],
) -> None:
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from app import on_workflow_message
    from infra.local.events import lambda_context, sqs_event

    body = '{"type": "timer", "dossierId": "D-1", "taskToken": "secret-token"}'
    event = sqs_event([{"MessageId": "m1", "Body": body}], "arn:aws:sqs:r:1:q", "ap-southeast-1")
    with pytest.raises(BatchProcessingError) as caught:  # the only record failed: so does the batch
        on_workflow_message(event, lambda_context("on_workflow_message"))
    [(kind, _, _)] = caught.value.child_exceptions
    assert kind is m.InvalidWorkflowMessage
    logs = "".join(capfd.readouterr())
    assert "workflow message rejected" in logs
    assert "stepId" in logs and "secret-token" not in logs
