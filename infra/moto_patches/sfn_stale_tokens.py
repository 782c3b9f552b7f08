"""Step Functions: a task token that no longer waits is refused, as AWS refuses it.

moto's behaviour: `SendTaskSuccess`/`SendTaskFailure` for a token whose wait timed out is accepted
and the answer silently lost; where moto does notice, it fails building the error (its
`StepFunctionsParserBackend.send_task_success` tests the wrapping `CallbackNotifyConsumerError`
instead of its cause, so a timeout is never told apart). AWS answers `TaskTimedOut` (the wait
timed out), `TaskDoesNotExist` (it was answered) or `InvalidToken` (no running execution has it).

Why we need it: the services fall back on exactly that error (a person's outcome is kept and sent
with the next token): docs/design.md, "Workflow contract", the paragraph "Tokens". Without the patch
the local cloud loses outcomes that AWS would have refused.

Applies to moto in this process (the tests' in-process mocks and the local stack's server).
Idempotent.
"""

from __future__ import annotations

from typing import Any

from infra.moto_patches.guard import Guard

GUARD = Guard(__name__, ("5.2.5",))


def apply() -> None:
    GUARD.check_version()  # first: another moto may not even have what is imported here
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser import models as parser_models
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import EvalTimeoutError
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback as cb,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackConsumerLeft,
        CallbackConsumerTimeout,
        CallbackEndpoint,
        CallbackNotifyConsumerError,
        CallbackOutcomeFailure,
        CallbackOutcomeSuccess,
        CallbackPoolManager,
    )

    task_cls: Any = cb.StateTaskServiceCallback
    backend_cls: Any = parser_models.StepFunctionsParserBackend
    if getattr(task_cls, "_tthc_stale_tokens", False):
        return
    GUARD.check_shape(task_cls, "_evaluate_with_timeout", ("self", "env"))
    GUARD.check_shape(backend_cls, "send_task_success", ("self", "task_token", "outcome"))
    GUARD.check_shape(backend_cls, "send_task_failure", ("self", "task_token", "error", "cause"))
    GUARD.check_shape(backend_cls, "_get_executions", ("self", "execution_status"))  # called
    GUARD.check_shape(CallbackPoolManager, "get", ("self", "callback_id"))
    GUARD.check_shape(CallbackPoolManager, "notify", ("self", "callback_id", "outcome"))
    GUARD.check_shape(CallbackEndpoint, "report", ("self", "consumer_error"))
    original_evaluate = task_cls._evaluate_with_timeout

    def _evaluate_with_timeout(self: Any, env: Any) -> Any:
        # The task's own timer (not the callback waiter, which notices later) decides the
        # timeout, so the token is marked at that instant.
        task = env.states.context_object.context_object_data.get("Task") or {}
        token = task.get("Token")
        try:
            result = original_evaluate(self, env)
        except EvalTimeoutError:
            _mark(env, token, CallbackConsumerTimeout())
            raise
        _mark(env, token, CallbackConsumerLeft())
        return result

    def _mark(env: Any, token: str | None, error: Any) -> None:
        endpoint = env.callback_pool_manager.get(token) if token else None
        if endpoint is not None and endpoint.consumer_error is None:
            endpoint.report(error)

    def _answer(backend: Any, token: str, outcome: Any) -> None:
        for execution in backend._get_executions(ExecutionStatus.RUNNING):
            worker = getattr(execution, "exec_worker", None)
            if worker is None:
                continue
            try:
                if worker.env.callback_pool_manager.notify(callback_id=token, outcome=outcome):
                    return
            except CallbackNotifyConsumerError as exc:
                if isinstance(exc.callback_consumer_error, CallbackConsumerTimeout):
                    raise AWSError(
                        "Task Timed Out: the task token timed out", "TaskTimedOut"
                    ) from None
                raise AWSError("Task does not exist anymore", "TaskDoesNotExist") from None
        raise AWSError("Invalid Token: 'Invalid token'", "InvalidToken")

    def send_task_success(self: Any, task_token: str, outcome: str) -> None:
        _answer(self, task_token, CallbackOutcomeSuccess(callback_id=task_token, output=outcome))

    def send_task_failure(
        self: Any, task_token: str, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        _answer(
            self,
            task_token,
            CallbackOutcomeFailure(callback_id=task_token, error=error, cause=cause),
        )
        return {}

    task_cls._evaluate_with_timeout = _evaluate_with_timeout
    backend_cls.send_task_success = send_task_success
    backend_cls.send_task_failure = send_task_failure
    task_cls._tthc_stale_tokens = True
