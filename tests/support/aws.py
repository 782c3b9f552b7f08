"""The in-process moto account the integration and security tests run on: its region and Step
Functions setting, a read-only view for assertions, moto's Cognito keys, and the clean-up that
stops executions still waiting on a token."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from infra.resources import Outputs

REGION = "ap-southeast-1"
SFN_EXECUTION = {"stepfunctions": {"execute_state_machine": True}}


def moto_jwks() -> dict[str, Any]:
    """The public keys moto signs Cognito tokens with (served at the pool's jwks URL)."""
    import moto.cognitoidp

    path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-public.json.gz"
    doc: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return doc


def stop_executions(outputs: Outputs) -> None:
    """Stop executions still waiting on a token so their threads do not outlive the mock."""
    import boto3

    sfn = boto3.client("stepfunctions", region_name=outputs.region)
    for arn in outputs.state_machines.values():
        try:
            running = sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")
            for ex in running.get("executions", []):
                sfn.stop_execution(executionArn=ex["executionArn"], cause="test teardown")
        except Exception:  # best effort: the mock is going away anyway
            pass


class AwsView:
    """Read-only handles on the provisioned account for assertions."""

    def __init__(self, outputs: Outputs) -> None:
        import boto3

        self.outputs = outputs
        self.sfn = boto3.client("stepfunctions", region_name=outputs.region)
        self.sqs = boto3.client("sqs", region_name=outputs.region)

    def execution_arn(self, code: str) -> str:
        from chalicelib.workflow.executions import execution_arn, execution_name

        return execution_arn(self.outputs.state_machine_arn, execution_name(code))
