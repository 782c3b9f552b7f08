"""Restore the stage's table to a point in time into a new table and point the stack at it.

    python -m infra.restore --stage prod --to 2026-12-07T10:00:00Z           # plan only
    python -m infra.restore --stage prod --to 2026-12-07T10:00:00Z --apply   # do it
    python -m infra.restore --stage prod --latest --apply                    # latest restorable

Steps (docs/operations.md "Restore"):
1. read the stack: the table the functions use now (output `TableName`, which is a previous
   restore if there was one) is the source; its PITR window must contain the time;
2. `RestoreTableToPointInTime` into `<stack>-restore-<yyyymmddhhmm>`, encrypted with the stack's
   data key (`alias/<stack>-data`), and wait until it is ACTIVE;
3. give the new table what a restore does not carry over: TTL, PITR, deletion protection
   (prod), tags;
4. update the stack with its previous template and parameters except `ActiveTableName` = the new
   table: CloudFormation rewrites every function's `TABLE_NAME` and its IAM grant (new execution
   environments read it), and `make deploy` keeps the parameter from then on.

The old table is left untouched (evidence; Retain in prod). Without `--apply` nothing is changed:
the plan is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from infra import resources as r
from infra import template as tmpl

ACTIVE_TABLE_PARAM = tmpl.ACTIVE_TABLE_PARAM


class RestoreError(RuntimeError):
    """The restore cannot go on (no PITR, time outside its window, stack not found)."""


@dataclass
class RestoreReport:
    stack: str
    source_table: str
    target_table: str
    restore_to: str  # ISO UTC, or "latest"
    earliest_restorable: str
    latest_restorable: str
    applied: bool
    steps: list[str] = field(default_factory=list)
    # Seconds, measured with the injected monotonic clock (0 when not applied).
    restore_seconds: float = 0.0
    repoint_seconds: float = 0.0

    @property
    def total_seconds(self) -> float:
        return self.restore_seconds + self.repoint_seconds


def parse_time(text: str) -> datetime:
    """An ISO 8601 instant with its offset (`Z` or `+07:00`), as UTC."""
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise RestoreError(f"{text!r} has no offset: write it in UTC with Z (or +07:00)")
    return t.astimezone(UTC)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def restore(
    stage: str,
    *,
    session: Any,
    region: str,
    to: datetime | None,
    apply: bool = False,
    stack: str | None = None,
    target: str | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    monotonic: Callable[[], float] = time.monotonic,
    wait_delay: int = 5,
) -> RestoreReport:
    """Plan (and with `apply`, do) the restore; `to=None` means the latest restorable time."""
    name = stack or f"{r.DEFAULT_STACK}-{stage}"
    cfn = session.client("cloudformation", region_name=region)
    ddb = session.client("dynamodb", region_name=region)
    try:
        desc = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except Exception as exc:
        raise RestoreError(f"stack {name} not found: {exc}") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in desc.get("Outputs", [])}
    if ACTIVE_TABLE_PARAM not in {p["ParameterKey"] for p in desc.get("Parameters", [])}:
        raise RestoreError(f"stack {name} has no {ACTIVE_TABLE_PARAM} parameter: deploy first")
    source = outputs["TableName"]
    pitr = ddb.describe_continuous_backups(TableName=source)["ContinuousBackupsDescription"]
    window = pitr.get("PointInTimeRecoveryDescription", {})
    if window.get("PointInTimeRecoveryStatus") != "ENABLED":
        raise RestoreError(f"point-in-time recovery is not enabled on {source}")
    # AWS always gives the window with ENABLED; moto 5.2.5 leaves it out for a table whose PITR
    # came from CloudFormation. Unknown, only --latest can go on.
    if "EarliestRestorableDateTime" not in window or "LatestRestorableDateTime" not in window:
        if to is not None:
            raise RestoreError(f"the restorable window of {source} is unknown: use --latest")
        window = {**window, "EarliestRestorableDateTime": now(), "LatestRestorableDateTime": now()}
    earliest: datetime = window["EarliestRestorableDateTime"].astimezone(UTC)
    latest: datetime = window["LatestRestorableDateTime"].astimezone(UTC)
    if to is not None and not earliest <= to <= latest:
        raise RestoreError(
            f"{_iso(to)} is outside the restorable window of {source}: "
            f"{_iso(earliest)} .. {_iso(latest)}"
        )
    stamp = (to or now()).astimezone(UTC).strftime("%Y%m%d%H%M")
    target = target or f"{name}-restore-{stamp}"
    if target == source:
        raise RestoreError("the target table must be a new table")
    report = RestoreReport(
        stack=name,
        source_table=source,
        target_table=target,
        restore_to=_iso(to) if to else "latest",
        earliest_restorable=_iso(earliest),
        latest_restorable=_iso(latest),
        applied=apply,
    )
    report.steps = [
        f"restore {source} at {report.restore_to} into {target} (KMS alias/{name}-data)",
        f"set TTL on {r.definition(name).table.ttl_attribute}, PITR, "
        f"deletion protection={stage in ('prod',)}, tags on {target}",
        f"update stack {name}: {ACTIVE_TABLE_PARAM}={target} (other parameters unchanged)",
    ]
    if not apply:
        return report

    started = monotonic()
    args: dict[str, Any] = {
        "SourceTableName": source,
        "TargetTableName": target,
        "SSESpecificationOverride": {
            "Enabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": f"alias/{name}-data",
        },
    }
    if to is None:
        args["UseLatestRestorableTime"] = True
    else:
        args["RestoreDateTime"] = to
    made = ddb.restore_table_to_point_in_time(**args)["TableDescription"]
    ddb.get_waiter("table_exists").wait(
        TableName=target, WaiterConfig={"Delay": wait_delay, "MaxAttempts": 4 * 3600 // wait_delay}
    )
    ttl = r.definition(name).table.ttl_attribute
    if ttl:
        ddb.update_time_to_live(
            TableName=target, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl}
        )
    ddb.update_continuous_backups(
        TableName=target, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    if stage == "prod":
        ddb.update_table(TableName=target, DeletionProtectionEnabled=True)
    ddb.tag_resource(
        ResourceArn=made["TableArn"],
        Tags=[
            {"Key": "project", "Value": "tthc"},
            {"Key": "stage", "Value": stage},
            {"Key": "restored-from", "Value": source},
            {"Key": "restored-to", "Value": report.restore_to},
        ],
    )
    report.restore_seconds = monotonic() - started

    started = monotonic()
    # Every other parameter as the stack has it (passed as read, not UsePreviousValue: moto
    # 5.2.5 raises KeyError on that for a parameter the stack took from its default).
    params = [
        {"ParameterKey": p["ParameterKey"], "ParameterValue": p.get("ParameterValue", "")}
        for p in desc.get("Parameters", [])
        if p["ParameterKey"] != ACTIVE_TABLE_PARAM
    ]
    params.append({"ParameterKey": ACTIVE_TABLE_PARAM, "ParameterValue": target})
    cfn.update_stack(
        StackName=name,
        UsePreviousTemplate=True,
        Parameters=params,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    cfn.get_waiter("stack_update_complete").wait(
        StackName=name, WaiterConfig={"Delay": wait_delay, "MaxAttempts": 3600 // wait_delay}
    )
    after = cfn.describe_stacks(StackName=name)["Stacks"][0]
    active = {o["OutputKey"]: o["OutputValue"] for o in after.get("Outputs", [])}["TableName"]
    if active != target:
        raise RestoreError(f"stack {name} still uses {active} after the update")
    report.repoint_seconds = monotonic() - started
    return report


def main(argv: list[str] | None = None) -> int:
    import boto3

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--stage", default="dev", choices=tmpl.STAGES)
    p.add_argument("--stack", default=None, help="stack name (default tthc-<stage>)")
    p.add_argument("--region", default=None)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--to", type=parse_time, help="UTC instant, e.g. 2026-12-07T10:00:00Z")
    when.add_argument("--latest", action="store_true", help="the latest restorable time")
    p.add_argument("--target", default=None, help="new table name (default <stack>-restore-...)")
    p.add_argument("--apply", action="store_true", help="do it (default: print the plan)")
    a = p.parse_args(argv)
    session = boto3.session.Session(region_name=a.region)
    region = a.region or session.region_name
    try:
        report = restore(
            a.stage,
            session=session,
            region=region,
            to=None if a.latest else a.to,
            apply=a.apply,
            stack=a.stack,
            target=a.target,
        )
    except RestoreError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({**asdict(report), "total_seconds": report.total_seconds}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
