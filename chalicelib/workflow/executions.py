"""Thin adapter over Step Functions for the dossier workflow (state_machines/dossier.asl.json).

Services depend on this class, not on boto3, so tests can inject a client and the rules about
execution names and stale task tokens live in one place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from chalicelib.aws import error_code

# Step Functions names: 1-80 chars, no whitespace, brackets, wildcards or "#%\^|~`$&,;:/".
# Keep to a conservative subset (also safe in CloudWatch log names).
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_NAME_MAX = 80
_STALE_CODES = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})


class StaleTaskToken(Exception):
    """The token no longer waits for an answer (timed out, superseded, or its execution ended).

    The caller records the outcome on the task item; the consumer that receives the next token
    for that task sends it then (docs/design.md, "Workflow contract").
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def execution_name(dossier_code: str, suffix: str = "") -> str:
    """The execution name of a dossier: its code, limited to characters Step Functions allows,
    then `suffix` (a restart's `-r<n>`), the code shortened so the whole stays within 80."""
    safe_suffix = _NAME_UNSAFE.sub("-", suffix)
    if len(safe_suffix) >= _NAME_MAX:
        raise ValueError(f"execution name suffix {suffix!r} is too long")
    name = _NAME_UNSAFE.sub("-", dossier_code.strip())[: _NAME_MAX - len(safe_suffix)]
    if not name.strip("-"):
        raise ValueError(f"dossier code {dossier_code!r} gives no usable execution name")
    return name + safe_suffix


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN Step Functions gives an execution called `name` of this state machine."""
    head, sep, machine = state_machine_arn.rpartition(":stateMachine:")
    if not sep:
        raise ValueError(f"not a state machine ARN: {state_machine_arn}")
    return f"{head}:execution:{machine.split(':')[0]}:{name}"


class Workflow:
    """Start dossier executions and answer their task tokens.

    `client` is a stepfunctions client (default: the shared one from `chalicelib.aws`, looked up at
    call time so `chalicelib.aws.reset()` takes effect); `state_machine_arn` defaults to settings.
    """

    def __init__(self, client: Any | None = None, state_machine_arn: str | None = None) -> None:
        self._client = client
        self._state_machine_arn = state_machine_arn

    @property
    def client(self) -> Any:
        if self._client is not None:
            return self._client
        from chalicelib import aws

        return aws.client("stepfunctions")

    @property
    def state_machine_arn(self) -> str:
        if self._state_machine_arn:
            return self._state_machine_arn
        from chalicelib.settings import get_settings

        arn = get_settings().state_machine_arn
        if not arn:
            raise RuntimeError("STATE_MACHINE_ARN is not set")
        return arn

    def arn(self, dossier_code: str, suffix: str = "") -> str:
        """The ARN of the dossier's execution (`suffix`: a restart's, see `start`)."""
        return execution_arn(self.state_machine_arn, execution_name(dossier_code, suffix))

    def start(self, dossier_code: str, input: Mapping[str, Any], suffix: str = "") -> str:
        """Start the dossier's execution; a retried start returns the first one's ARN.

        The name is the dossier code (plus `suffix` for an administrator's restart, `-r<n>`), so
        Step Functions itself rejects a duplicate: with the same input while running it returns
        the same execution, otherwise it raises ExecutionAlreadyExists, which here also means
        "already started".
        """
        name = execution_name(dossier_code, suffix)
        try:
            resp = self.client.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=name,
                input=json.dumps(input, ensure_ascii=False, separators=(",", ":")),
            )
        except Exception as exc:
            if error_code(exc) != "ExecutionAlreadyExists":
                raise
            return execution_arn(self.state_machine_arn, name)
        return str(resp["executionArn"])

    def send_success(self, token: str, output: Mapping[str, Any]) -> None:
        """Answer a waiting task with `output`, the `wire()` of one of `messages.TaskOutput`
        (tests play the service with raw JSON); raises StaleTaskToken if the token is stale."""
        try:
            self.client.send_task_success(
                taskToken=token, output=json.dumps(output, ensure_ascii=False)
            )
        except Exception as exc:
            self._raise_stale(exc)
            raise

    def send_failure(self, token: str, error: str, cause: str) -> None:
        """Fail a waiting task: the execution fails (used to stop a dossier's processing)."""
        try:
            self.client.send_task_failure(taskToken=token, error=error[:256], cause=cause[:32768])
        except Exception as exc:
            self._raise_stale(exc)
            raise

    def describe(self, execution_arn: str) -> dict[str, Any]:
        resp = dict(self.client.describe_execution(executionArn=execution_arn))
        resp.pop("ResponseMetadata", None)
        return resp

    def history_transition_count(self, execution_arn: str) -> int:
        """State transitions so far (what Standard workflows are billed by): states entered."""
        count = 0
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = self.client.get_execution_history(**kwargs)
            count += sum(1 for e in page["events"] if str(e["type"]).endswith("StateEntered"))
            token = page.get("nextToken")
            if not token:
                return count
            kwargs["nextToken"] = token

    @staticmethod
    def _raise_stale(exc: Exception) -> None:
        code = error_code(exc)
        if code in _STALE_CODES:
            raise StaleTaskToken(code, str(exc)) from exc
