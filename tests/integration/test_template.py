"""The generated CloudFormation template: cfn-lint, checkov, and a deployment into moto.

checkov pins an old boto3, so it lives in its own virtualenv (`.venv/tools/checkov`, made by
`make install`); outside CI a missing checkov skips its test, in CI (CI set) it fails.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import resources as r
from infra import template as t
from infra.provision import provision, substitute

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv" / "tools" / "checkov" / "bin" / "checkov"
REGION = "ap-southeast-1"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_cfn_lint_finds_no_errors(stage: str) -> None:
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs

    matches = lint(json.dumps(t.render(stage)), config=ManualArgs(regions=[REGION]))
    errors = [f"{m.rule.id} {m.path} {m.message}" for m in matches if m.rule.id.startswith("E")]
    warnings = [f"{m.rule.id} {m.message}" for m in matches if not m.rule.id.startswith("E")]
    print("\n".join(warnings))
    assert errors == []


def test_checkov_finds_no_failed_checks(tmp_path: Path) -> None:
    if not CHECKOV.exists():
        if os.environ.get("CI"):
            pytest.fail(f"checkov is not installed at {CHECKOV} (make install creates it)")
        pytest.skip(f"checkov not installed at {CHECKOV}")
    out = tmp_path / "template.json"
    out.write_text(json.dumps(t.render("prod")), encoding="utf-8")
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    proc = subprocess.run(
        [str(CHECKOV), "-f", str(out), "--config-file", str(ROOT / ".checkov.yaml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    report = json.loads(proc.stdout)
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["passed"] > 50
    assert report["summary"]["parsing_errors"] == 0
    # Every skip checkov applied came with its reason.
    for c in report["results"]["skipped_checks"]:
        assert c["check_result"].get("suppress_comment"), c["check_id"]


@pytest.fixture
def moto_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(k, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ENDPOINT_URL", "LOCALSTACK", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    # moto's CloudFormation creates state machines in the plain Step Functions backend; the API
    # reads the executing (parser) backend when execute_state_machine is on, which an earlier
    # test in the same worker may have left on. Say it explicitly so both use the same one.
    with mock_aws(config={"stepfunctions": {"execute_state_machine": False}}):  # type: ignore[arg-type]
        yield


def _deploy(template: dict[str, Any], stack: str) -> list[dict[str, Any]]:
    """Upload a stand-in code artifact, create the stack, return the resources it created."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="tthc-artifacts", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "app = None\n")
    s3.put_object(Bucket="tthc-artifacts", Key="deployment.zip", Body=buf.getvalue())
    cfn = boto3.client("cloudformation", region_name=REGION)
    cfn.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(template),
        Parameters=[
            {"ParameterKey": "CodeBucket", "ParameterValue": "tthc-artifacts"},
            {"ParameterKey": "CodeKey", "ParameterValue": "deployment.zip"},
        ],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"
    summaries: list[dict[str, Any]] = []
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
        summaries += page["StackResourceSummaries"]
    return summaries


def test_template_deploys_into_moto_cloudformation(moto_account: None) -> None:
    from moto.cloudformation.parsing import get_model_map

    full = t.render("dev")
    variant, removed = t.moto_variant(full)
    # The list of what moto cannot create is exact: when moto learns a type, this fails and the
    # type moves back into the deployed set.
    models = get_model_map()
    assert [k for k in t.MOTO_UNSUPPORTED if k in models] == []
    assert all(k in models for k in t.MOTO_FAILS)

    created = _deploy(variant, "tthc-dev")
    print(f"\ncreated {len(created)} resources in moto's CloudFormation:")
    for s in sorted(created, key=lambda s: (s["ResourceType"], s["LogicalResourceId"])):
        print(f"  {s['ResourceType']:36} {s['LogicalResourceId']:32} {s['ResourceStatus']}")
    print(f"not deployed in moto ({len(removed)}):")
    for k, why in sorted(removed.items()):
        print(f"  {full['Resources'][k]['Type']:36} {k:32} {why}")

    ids = {s["LogicalResourceId"] for s in created}
    assert ids == set(variant["Resources"])
    assert all(s["ResourceStatus"] == "CREATE_COMPLETE" for s in created)
    assert len(ids) + len(removed) == len(full["Resources"])

    # Spot-check what was really created, through the services' own APIs.
    d = r.definition("tthc-dev")
    ddb = boto3.client("dynamodb", region_name=REGION)
    table = ddb.describe_table(TableName="tthc-dev")["Table"]
    assert sorted(g["IndexName"] for g in table["GlobalSecondaryIndexes"]) == [
        ix.name for ix in d.table.indexes
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    # moto's CloudFormation ignores PointInTimeRecoverySpecification and SSESpecification (the
    # table reports PITR DISABLED); the unit tests and cfn-lint check those properties instead.
    sqs = boto3.client("sqs", region_name=REGION)
    for q in d.queues:
        url = sqs.get_queue_url(QueueName=d.queue_name(q.logical))["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = attrs["RedrivePolicy"]  # moto returns a dict for a stack-made queue
        redrive = json.loads(redrive) if isinstance(redrive, str) else redrive
        assert redrive["deadLetterTargetArn"].endswith(d.dlq_name(q.logical))
        assert attrs["KmsMasterKeyId"]
    lam = boto3.client("lambda", region_name=REGION)
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    consumers = [q for q in d.queues if q.handler in t.app_handlers()]  # notifications: none yet
    assert len(mappings) == len(consumers)
    assert all(m["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)
    api = lam.get_function_configuration(FunctionName="tthc-dev-api")
    assert (api["Handler"], api["Timeout"]) == ("app.app", d.api_function.timeout_seconds)
    # The HMAC keys (page cursors, VNeID sessions) are stack secrets resolved at deploy; moto
    # creates no secret, so the function keeps the reference, naming its secret.
    variables = api["Environment"]["Variables"]
    for logical, variable in (
        ("CursorSigningKey", "CURSOR_SIGNING_KEY"),
        ("SessionSigningKey", "SESSION_SIGNING_KEY"),
    ):
        assert logical in removed
        assert variables[variable].startswith("{{resolve:secretsmanager:"), variables[variable]
        assert logical in variables[variable]
    kms = boto3.client("kms", region_name=REGION)
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    keys = {k["KeyId"] for k in kms.list_keys()["Keys"]}
    for alias in ("data", "agency-keys", "sign"):
        assert aliases[f"alias/tthc-dev-{alias}"] in keys
    # moto's CloudFormation makes every AWS::KMS::Key symmetric (KeySpec/KeyUsage ignored) and
    # keeps the KeyPolicy as an object, which its DescribeKey then fails to parse: the signing
    # key's spec is checked in the unit tests and by cfn-lint, not here.


def test_deployed_state_machine_is_the_asl_the_local_stack_runs(moto_account: None) -> None:
    """Deploy the template and provision the local stack in one account: same ASL, same queue."""
    variant, _ = t.moto_variant(t.render("dev"))
    created = _deploy(variant, "tthc-dev")
    local = provision("tthc-local", region=REGION)

    sfn = boto3.client("stepfunctions", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    [cloud_arn] = [
        s["PhysicalResourceId"] for s in created if s["LogicalResourceId"] == "DossierStateMachine"
    ]
    assert cloud_arn.endswith(":stateMachine:tthc-dev-dossier")
    cloud = json.loads(sfn.describe_state_machine(stateMachineArn=cloud_arn)["definition"])
    here = json.loads(
        sfn.describe_state_machine(stateMachineArn=local.state_machine_arn)["definition"]
    )
    cloud_queue = sqs.get_queue_url(QueueName="tthc-dev-workflow")["QueueUrl"]
    sm = r.definition().state_machine("dossier")
    # The cloud's definition is the ASL file with the cloud's queue substituted...
    assert cloud == json.loads(
        substitute(sm.definition_template(), {"WorkflowQueueUrl": cloud_queue})
    )
    # ...and the local stack's is the same document with the local queue.
    assert json.dumps(cloud).replace(cloud_queue, local.workflow_queue_url) == json.dumps(here)
    assert cloud_queue != local.workflow_queue_url


def test_cli_renders_from_a_fresh_interpreter() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "infra.template", "--stage", "prod"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    out = json.loads(proc.stdout)
    assert out["Resources"]["Table"]["Properties"]["DeletionProtectionEnabled"] is True


def test_deploy_then_destroy_dev_in_moto(
    moto_account: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """infra/deploy.py's real code path (artifact bucket, TemplateURL, web, catalogue, destroy)."""
    from infra import deploy as dp
    from infra.local.stack import reset_app_caches

    monkeypatch.setenv("TABLE_NAME", "unset")  # restored after the test (deploy sets it)
    monkeypatch.setenv("AWS_REGION", REGION)
    artifact = tmp_path / "deployment.zip"
    with zipfile.ZipFile(artifact, "w") as z:
        z.writestr("app.py", "app = None\n")
    variant, _ = t.moto_variant(t.render("dev"))
    session = boto3.session.Session(region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    # The artifact bucket deploy would make: private, encrypted, TLS-only. (moto applies the
    # TLS-only Deny to its own in-process calls, so the uploads below use a plain bucket.)
    made = dp.artifact_bucket(session, REGION)
    assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket=made)["Policy"]
    assert s3.get_public_access_block(Bucket=made)["PublicAccessBlockConfiguration"][
        "BlockPublicPolicy"
    ]
    assert dp.artifact_bucket(session, REGION) == made  # idempotent
    s3.create_bucket(
        Bucket="plain-artifacts", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    try:
        outputs = dp.deploy(
            "dev",
            session=session,
            region=REGION,
            artifact=artifact,
            template=variant,
            catalogue=ROOT / "data" / "demo",
            bucket="plain-artifacts",
        )
        assert outputs["TableName"] == "tthc-dev"
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=outputs["WebBucketName"])["Contents"]}
        assert "index.html" in keys
        ddb = boto3.client("dynamodb", region_name=REGION)
        assert ddb.scan(TableName="tthc-dev", Select="COUNT")["Count"] > 0
        # A second deploy of the same code and template is a no-op update, not an error.
        dp.deploy(
            "dev",
            session=session,
            region=REGION,
            artifact=artifact,
            template=variant,
            bucket="plain-artifacts",
        )

        with pytest.raises(dp.DeployError):
            dp.destroy("prod", session=session, region=REGION, yes=True)
        with pytest.raises(dp.DeployError):
            dp.destroy("staging", session=session, region=REGION)
        emptied = dp.destroy("dev", session=session, region=REGION)
        assert outputs["WebBucketName"] in emptied
        names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
        assert outputs["WebBucketName"] not in names
    finally:
        reset_app_caches()


def test_operations_guide_restore_steps_work_in_moto(moto_account: None) -> None:
    """docs/operations.md "Restore": a table to a point in time, an object to an old version."""
    out = provision("tthc-restore", region=REGION)
    ddb = boto3.client("dynamodb", region_name=REGION)
    key = {"PK": {"S": "UNIT#X"}, "SK": {"S": "UNIT"}}
    ddb.put_item(TableName=out.table_name, Item={**key, "name": {"S": "good"}})
    restored = f"{out.table_name}-restore"
    ddb.restore_table_to_point_in_time(
        SourceTableName=out.table_name, TargetTableName=restored, UseLatestRestorableTime=True
    )
    ddb.get_waiter("table_exists").wait(TableName=restored)
    ddb.put_item(TableName=out.table_name, Item={**key, "name": {"S": "mistake"}})
    good = ddb.get_item(TableName=restored, Key=key)["Item"]
    ddb.put_item(TableName=out.table_name, Item=good)  # the copy-back of the guide
    assert ddb.get_item(TableName=out.table_name, Key=key)["Item"]["name"]["S"] == "good"

    s3 = boto3.client("s3", region_name=REGION)
    bucket = out.results_bucket  # versioned
    first = s3.put_object(Bucket=bucket, Key="r.pdf", Body=b"v1")["VersionId"]
    s3.put_object(Bucket=bucket, Key="r.pdf", Body=b"v2")
    s3.copy_object(
        Bucket=bucket,
        Key="r.pdf",
        CopySource={"Bucket": bucket, "Key": "r.pdf", "VersionId": first},
    )
    assert s3.get_object(Bucket=bucket, Key="r.pdf")["Body"].read() == b"v1"


def _statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policies = template["Resources"][role]["Properties"]["Policies"]
    data = next(p for p in policies if p["PolicyName"] == "data")
    statements: list[dict[str, Any]] = data["PolicyDocument"]["Statement"]
    return statements


def _actions(statements: list[dict[str, Any]], effect: str = "Allow") -> set[str]:
    return {a for s in statements if s.get("Effect", "Allow") == effect for a in s["Action"]}


def test_web_is_served_by_cloudfront_reading_a_private_bucket_through_oac() -> None:
    tpl = t.render("prod")
    res = tpl["Resources"]
    cfg = res["WebDistribution"]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in cfg["Origins"]}
    assert origins["web"]["OriginAccessControlId"] == {
        "Fn::GetAtt": ["WebOriginAccessControl", "Id"]
    }
    assert origins["web"]["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not OAI
    assert origins["api"]["OriginPath"] == f"/{t.API_STAGE}"
    assert cfg["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    api_paths = {b["PathPattern"]: b for b in cfg["CacheBehaviors"]}
    assert api_paths["/api/*"]["TargetOriginId"] == "api"
    assert "POST" in api_paths["/api/*"]["AllowedMethods"]
    oac = res["WebOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")
    # The bucket stays private: only this distribution may read it, and only over TLS.
    web = res["WebBucket"]["Properties"]
    assert all(web["PublicAccessBlockConfiguration"].values())
    policy = res["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    reads = next(s for s in policy if s.get("Sid") == "CloudFrontReadsTheWeb")
    assert reads["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reads["Action"] == "s3:GetObject"
    assert "${WebDistribution}" in json.dumps(reads["Condition"])
    assert any(s.get("Sid") == "DenyInsecureTransport" for s in policy)
    assert "WebUrl" in tpl["Outputs"]


def test_each_function_gets_only_the_services_it_uses() -> None:
    tpl = t.render("prod")
    notify = _statements(tpl, "OnNotificationsRole")
    assert {"ses:SendEmail", "sns:Publish"} <= _actions(notify)
    assert "sns:Publish" in _actions(notify, "Deny")  # SMS only, never a topic
    assert not any(a.startswith(("s3:", "rekognition:", "states:")) for a in _actions(notify))
    retention = _actions(_statements(tpl, "OnRetentionRole"))
    assert {"s3:DeleteObjectVersion", "s3:ListBucketVersions"} <= retention
    assert not any(a.startswith(("ses:", "sns:", "rekognition:")) for a in retention)
    api = _statements(tpl, "APIHandlerRole")
    faces = next(s for s in api if s.get("Sid") == "FaceCollection")
    assert "rekognition:SearchFacesByImage" in faces["Action"]
    assert "collection/" in json.dumps(faces["Resource"])
    assert "sns:Publish" not in _actions(api)
    digest = _actions(_statements(tpl, "OnDailyDigestRole"))
    assert not any(a.startswith(("s3:", "ses:", "sns:")) for a in digest)  # e-mail goes via outbox
    for role in ("OnNotificationsRole", "OnRetentionRole", "APIHandlerRole"):
        for s in _statements(tpl, role):
            if s.get("Effect", "Allow") == "Allow" and s["Resource"] == ["*"]:
                assert s["Action"] == ["sns:Publish"], (role, s)


def test_restore_command_restores_into_a_new_table_and_points_the_stack_at_it(
    moto_account: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """python -m infra.restore on moto, then a redeploy that must keep the pointer.

    moto 5.2.5 copies the source's items as they are now whatever the time asked (so what a
    restore contains is not checked here), ignores the SSE override, and freezes the PITR
    window at the moment PITR was enabled: the window check is exercised, the time travel is not.
    """
    from datetime import timedelta

    from infra import deploy as dp
    from infra import restore as rs
    from infra.local.stack import reset_app_caches

    monkeypatch.setenv("TABLE_NAME", "unset")
    artifact = tmp_path / "deployment.zip"
    with zipfile.ZipFile(artifact, "w") as z:
        z.writestr("app.py", "app = None\n")
    variant, _ = t.moto_variant(t.render("dev"))
    session = boto3.session.Session(region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="plain-artifacts", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    common: dict[str, Any] = {
        "session": session,
        "region": REGION,
        "artifact": artifact,
        "template": variant,
        "bucket": "plain-artifacts",
        "web_dir": None,
    }
    try:
        outputs = dp.deploy("dev", **common)
        assert outputs["TableName"] == outputs["StackTableName"] == "tthc-dev"
        ddb = boto3.client("dynamodb", region_name=REGION)
        key = {"PK": {"S": "UNIT#X"}, "SK": {"S": "UNIT"}}
        ddb.put_item(TableName="tthc-dev", Item={**key, "name": {"S": "good"}})
        # moto 5.2.5 CloudFormation ignores the table's PITR setting (the unit test checks it).
        for on in (False, True):
            ddb.update_continuous_backups(
                TableName="tthc-dev",
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": on},
            )
        window = ddb.describe_continuous_backups(TableName="tthc-dev")[
            "ContinuousBackupsDescription"
        ]["PointInTimeRecoveryDescription"]
        with pytest.raises(rs.RestoreError, match="outside the restorable window"):
            rs.restore(
                "dev",
                session=session,
                region=REGION,
                to=window["EarliestRestorableDateTime"] - timedelta(hours=1),
                apply=True,
            )
        plan = rs.restore(
            "dev", session=session, region=REGION, to=window["LatestRestorableDateTime"]
        )
        assert not plan.applied and plan.source_table == "tthc-dev"
        assert plan.target_table not in ddb.list_tables()["TableNames"]  # a plan changes nothing

        done = rs.restore("dev", session=session, region=REGION, to=None, apply=True, wait_delay=1)
        new = done.target_table
        assert new.startswith("tthc-dev-restore-")
        assert ddb.get_item(TableName=new, Key=key)["Item"]["name"]["S"] == "good"
        assert ddb.describe_time_to_live(TableName=new)["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "ENABLED",
            "AttributeName": "expiration",
        }
        assert (
            ddb.describe_continuous_backups(TableName=new)["ContinuousBackupsDescription"][
                "PointInTimeRecoveryDescription"
            ]["PointInTimeRecoveryStatus"]
            == "ENABLED"
        )
        lam = boto3.client("lambda", region_name=REGION)
        api = lam.get_function_configuration(FunctionName="tthc-dev-api")
        assert api["Environment"]["Variables"]["TABLE_NAME"] == new
        # The grant follows the pointer in the template (moto 5.2.5 does not re-apply an
        # IAM role's inline policies on a stack update, so it is checked in the template).
        grant = next(
            st
            for p in variant["Resources"]["APIHandlerRole"]["Properties"]["Policies"]
            if p["PolicyName"] == "data"
            for st in p["PolicyDocument"]["Statement"]
            if st.get("Sid") == "Table"
        )
        assert grant["Resource"][0]["Fn::If"][0] == t.USES_RESTORED_TABLE
        # The next ordinary deploy keeps the stack on the restored table.
        again = dp.deploy("dev", **{**common, "template": {**variant, "Description": "v2"}})
        assert again["TableName"] == new
    finally:
        reset_app_caches()
