"""Deploy or destroy one stage in an AWS account: `make deploy STAGE=...`, `make destroy STAGE=dev`.

    python -m infra.deploy deploy  --stage dev [--alert-email ops@example.gov.vn] [--param K=V ...]
    python -m infra.deploy destroy --stage dev
    python -m infra.deploy package --stage dev          # build only: dist/<stage>/

`deploy`:
1. packages the code with `chalice package` (its deployment.zip: app.py, chalicelib/ and the
   requirements built for Lambda's Linux) and renders the template with `infra.template`;
2. creates the artifact bucket `tthc-artifacts-<account>-<region>` if needed (private, encrypted,
   TLS-only), uploads deployment.zip under its sha256 (a new key whenever the code changes, so
   CloudFormation updates the functions) and the template (templates over 51,200 bytes must be
   given by URL);
3. creates or updates the stack `tthc-<stage>` and waits for it;
4. uploads `web/` to the web bucket and loads the procedure catalogue (`--catalogue`, default
   data/demo) into the table: both idempotent.

`destroy` deletes the stack of a non-production stage after emptying its buckets (every object
version). It refuses `prod`, whatever the flags: production data is also protected by deletion
protection and DeletionPolicy Retain in the prod template. `staging` needs `--yes`.

Permissions the deploying principal needs are listed in docs/operations.md ("Deploying").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import mimetypes
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra import resources as r
from infra import template as tmpl
from infra.provision import apply_bucket_baseline, create_bucket_if_missing

log = logging.getLogger(__name__)

ROOT = r.ROOT
PROTECTED_STAGES = ("prod",)
CONFIRM_STAGES = ("staging",)


class DeployError(RuntimeError):
    """The deployment cannot go on (a guard refused, or the stack did not reach a good state)."""


def stack_name(stage: str) -> str:
    return f"{r.DEFAULT_STACK}-{stage}"


def chalice_config(stage: str) -> dict[str, Any]:
    """The .chalice/config.json `chalice package` needs (only its zip is used).

    Roles come from infra/template.py (least privilege per function), so Chalice neither manages
    nor generates one (its policy analyser also fails on this app's lazy imports).
    """
    return {
        "version": "2.0",
        "app_name": r.DEFAULT_STACK,
        "automatic_layer": False,
        "manage_iam_role": False,
        "iam_role_arn": "arn:aws:iam::000000000000:role/unused-roles-come-from-infra-template",
        "stages": {stage: {"api_gateway_stage": tmpl.API_STAGE}},
    }


def package(stage: str, out_dir: Path, region: str = r.DEFAULT_REGION) -> Path:
    """`chalice package` in a clean copy of the app; returns the deployment.zip."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tthc-package-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        shutil.copy2(ROOT / "app.py", project / "app.py")
        shutil.copy2(ROOT / "requirements.txt", project / "requirements.txt")
        shutil.copytree(
            ROOT / "chalicelib",
            project / "chalicelib",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        (project / ".chalice").mkdir()
        (project / ".chalice" / "config.json").write_text(json.dumps(chalice_config(stage)))
        chalice = Path(sys.executable).with_name("chalice")
        subprocess.run(
            [str(chalice), "package", "--stage", stage, str(Path(tmp) / "out")],
            cwd=project,
            check=True,
            env={**os.environ, "AWS_DEFAULT_REGION": region},
        )
        artifact = out_dir / "deployment.zip"
        shutil.copy2(Path(tmp) / "out" / "deployment.zip", artifact)
    return artifact


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def artifact_bucket(session: Any, region: str) -> str:
    """The account's artifact bucket, created private and encrypted when missing."""
    account = session.client("sts").get_caller_identity()["Account"]
    name = f"{r.DEFAULT_STACK}-artifacts-{account}-{region}"
    s3 = session.client("s3", region_name=region)
    if not create_bucket_if_missing(s3, name, region):
        return name
    apply_bucket_baseline(s3, name, block_public_access=True, encryption="AES256", versioned=True)
    s3.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )
    return name


def _stack_status(cfn: Any, name: str) -> str | None:
    try:
        return str(cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])
    except Exception as exc:
        if "does not exist" in str(exc):
            return None
        raise


# Parameters an update keeps from the stack unless given (set by other ops commands).
KEEP_ON_UPDATE = (tmpl.ACTIVE_TABLE_PARAM,)


def _previous_parameters(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}


def deploy(
    stage: str,
    *,
    session: Any,
    region: str,
    artifact: Path,
    template: Mapping[str, Any] | None = None,
    parameters: Mapping[str, str] | None = None,
    web_dir: Path | None = ROOT / "web",
    catalogue: Path | None = None,
    bucket: str | None = None,
) -> dict[str, str]:
    """Upload, create or update the stack, then the web and catalogue; returns the outputs."""
    if stage not in tmpl.STAGES:
        raise DeployError(f"unknown stage {stage}")
    name = stack_name(stage)
    body = dict(template) if template is not None else tmpl.render(stage)
    bucket = bucket or artifact_bucket(session, region)
    s3 = session.client("s3", region_name=region)
    code_key = f"{name}/code/{sha256(artifact)}.zip"
    s3.upload_file(str(artifact), bucket, code_key)
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    template_key = f"{name}/template/{hashlib.sha256(text).hexdigest()}.json"
    s3.put_object(Bucket=bucket, Key=template_key, Body=text)
    template_url = f"https://{bucket}.s3.{region}.amazonaws.com/{template_key}"
    params = {"CodeBucket": bucket, "CodeKey": code_key, **(parameters or {})}
    cfn_params = [{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()]
    cfn = session.client("cloudformation", region_name=region)
    caps = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
    status = _stack_status(cfn, name)
    if status is None:
        log.info("creating stack %s", name)
        cfn.create_stack(
            StackName=name,
            TemplateURL=template_url,
            Parameters=cfn_params,
            Capabilities=caps,
            EnableTerminationProtection=stage in PROTECTED_STAGES,
            Tags=[{"Key": "project", "Value": "tthc"}, {"Key": "stage", "Value": stage}],
        )
        cfn.get_waiter("stack_create_complete").wait(StackName=name)
    else:
        log.info("updating stack %s (%s)", name, status)
        # A restore's pointer survives a redeploy: an omitted parameter would fall back to its
        # default (the stack's old table), silently undoing `python -m infra.restore --apply`.
        # (The value is passed as read: moto 5.2.5 raises KeyError on UsePreviousValue for a
        # parameter the stack took from its default.)
        previous = _previous_parameters(cfn, name)
        kept = [
            {"ParameterKey": k, "ParameterValue": previous[k]}
            for k in KEEP_ON_UPDATE
            if k not in params and k in previous
        ]
        try:
            cfn.update_stack(
                StackName=name,
                TemplateURL=template_url,
                Parameters=cfn_params + kept,
                Capabilities=caps,
            )
            cfn.get_waiter("stack_update_complete").wait(StackName=name)
        except Exception as exc:
            if "No updates are to be performed" not in str(exc):
                raise
    final = _stack_status(cfn, name)
    if final not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise DeployError(f"stack {name} ended {final}")
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    if web_dir is not None and "WebBucketName" in outputs:
        upload_web(s3, outputs["WebBucketName"], web_dir)
    if catalogue is not None and "TableName" in outputs:
        load_catalogue(outputs["TableName"], region, catalogue)
    return outputs


def upload_web(s3: Any, bucket: str, web_dir: Path) -> int:
    """Put every file of the static web (same key, same bytes: idempotent); returns the count."""
    n = 0
    for path in sorted(p for p in web_dir.rglob("*") if p.is_file()):
        key = path.relative_to(web_dir).as_posix()
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": ctype})
        n += 1
    return n


def load_catalogue(table: str, region: str, data_dir: Path) -> tuple[int, int]:
    """Units, procedures and calendar into the stack's table (puts: idempotent)."""
    from infra.demo import load_catalogue as load
    from infra.local.stack import reset_app_caches

    os.environ["TABLE_NAME"] = table
    os.environ["AWS_REGION"] = region
    reset_app_caches()
    from chalicelib.store.table import DynamoStore

    return load(DynamoStore(), data_dir)


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker (a versioned bucket must be empty to go)."""
    n = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        items = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if items:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": items, "Quiet": True})
            n += len(items)
    return n


def destroy(stage: str, *, session: Any, region: str, yes: bool = False) -> list[str]:
    """Delete a non-production stage's stack after emptying its buckets; returns them."""
    if stage in PROTECTED_STAGES:
        raise DeployError(
            f"refusing to destroy {stage}: delete it by hand in the console after a backup "
            "(termination protection, deletion protection and Retain policies guard its data)"
        )
    if stage in CONFIRM_STAGES and not yes:
        raise DeployError(f"destroying {stage} needs --yes")
    name = stack_name(stage)
    cfn = session.client("cloudformation", region_name=region)
    if _stack_status(cfn, name) is None:
        return []
    s3 = session.client("s3", region_name=region)
    buckets = []
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        for res in page["StackResourceSummaries"]:
            if res["ResourceType"] == "AWS::S3::Bucket" and res.get("PhysicalResourceId"):
                buckets.append(res["PhysicalResourceId"])
    for b in buckets:
        log.info("emptying %s (%d versions)", b, empty_bucket(s3, b))
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name)
    return buckets


def _params(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for p in pairs:
        key, sep, value = p.partition("=")
        if not sep:
            raise SystemExit(f"--param wants KEY=VALUE, got {p!r}")
        out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("command", choices=("deploy", "destroy", "package"))
    p.add_argument("--stage", required=True, choices=tmpl.STAGES)
    p.add_argument("--region", default=os.environ.get("AWS_REGION", r.DEFAULT_REGION))
    p.add_argument("--alert-email", default=None)
    p.add_argument("--param", action="append", default=[], help="template parameter KEY=VALUE")
    p.add_argument("--catalogue", default=str(ROOT / "data" / "demo"))
    p.add_argument("--artifact", default=None, help="a deployment.zip already built")
    p.add_argument("--yes", action="store_true", help="confirm destroying staging")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if a.command == "destroy":
        import boto3

        session = boto3.session.Session(region_name=a.region)
        try:
            gone = destroy(a.stage, session=session, region=a.region, yes=a.yes)
        except DeployError as exc:
            print(f"destroy: {exc}", file=sys.stderr)
            return 2
        print(json.dumps({"destroyed": stack_name(a.stage), "emptied": gone}, indent=2))
        return 0
    dist = ROOT / "dist" / a.stage
    artifact = Path(a.artifact) if a.artifact else package(a.stage, dist, a.region)
    if a.command == "package":
        (dist / "template.json").write_text(json.dumps(tmpl.render(a.stage), indent=1))
        print(dist)
        return 0
    import boto3

    session = boto3.session.Session(region_name=a.region)
    params = _params(a.param)
    if a.alert_email:
        params["AlertEmail"] = a.alert_email
    outputs = deploy(
        a.stage,
        session=session,
        region=a.region,
        artifact=artifact,
        parameters=params,
        catalogue=Path(a.catalogue) if a.catalogue else None,
    )
    print(json.dumps(outputs, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
