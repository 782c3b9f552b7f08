"""Restore drill on moto: deploy the dev template, write, restore with infra.restore, measure.

    python -m bench.restore_drill            # 2,000 items
    python -m bench.restore_drill --smoke    # 50 items (seconds)

Prints JSON: the recovery time (restore + pointing the stack at the new table) and the recovery
point: how many acknowledged writes the restored table lacks and how old the newest of them was.
On moto the recovery point is always 0 (moto 5.2.5 copies the table as it is now, whatever the
time asked) and the time is moto's, not AWS's (a real restore takes minutes to hours by size):
the drill proves the procedure end to end, the figures in docs/operations.md come from AWS's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REGION = "ap-southeast-1"


def drill(items: int) -> dict[str, object]:
    import boto3
    from moto import mock_aws

    from infra import deploy as dp
    from infra import restore as rs
    from infra import template as t

    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[k] = "testing"
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        artifact = Path(tmp) / "deployment.zip"
        with zipfile.ZipFile(artifact, "w") as z:
            z.writestr("app.py", "app = None\n")
        session = boto3.session.Session(region_name=REGION)
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="drill-artifacts", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        variant, _ = t.moto_variant(t.render("dev"))
        out = dp.deploy(
            "dev",
            session=session,
            region=REGION,
            artifact=artifact,
            template=variant,
            bucket="drill-artifacts",
            web_dir=None,
        )
        ddb = boto3.client("dynamodb", region_name=REGION)
        # moto 5.2.5's CloudFormation ignores the table's PointInTimeRecoverySpecification.
        ddb.update_continuous_backups(
            TableName=out["TableName"],
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
        acked: dict[str, float] = {}
        for i in range(items):
            pk = f"DRILL#{i:06d}"
            ddb.put_item(TableName=out["TableName"], Item={"PK": {"S": pk}, "SK": {"S": "X"}})
            acked[pk] = time.time()
        incident = time.time()
        started = time.monotonic()
        report = rs.restore(
            "dev", session=session, region=REGION, to=None, apply=True, wait_delay=1
        )
        rto = time.monotonic() - started
        present: set[str] = set()
        for page in ddb.get_paginator("scan").paginate(TableName=report.target_table):
            present.update(i["PK"]["S"] for i in page["Items"] if i["PK"]["S"].startswith("DRILL#"))
        lost = [pk for pk in acked if pk not in present]
        rpo = incident - min((acked[pk] for pk in lost), default=incident)
        return {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": "moto (in-process)",
            "items_written": items,
            "items_lost": len(lost),
            "recovery_point_seconds": round(rpo, 3),
            "recovery_time_seconds": round(rto, 3),
            "restore_seconds": round(report.restore_seconds, 3),
            "repoint_seconds": round(report.repoint_seconds, 3),
            "stack_uses": report.target_table,
        }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="50 items: a quick check it still runs")
    p.add_argument("--items", type=int, default=2000)
    a = p.parse_args()
    print(json.dumps(drill(50 if a.smoke else a.items), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
