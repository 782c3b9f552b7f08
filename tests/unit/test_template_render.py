"""The CloudFormation template is rendered from infra/resources.py and says what issue 8 asks."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from infra import resources as r
from infra import template as t
from infra.provision import substitute

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def dev() -> dict[str, Any]:
    return t.render("dev")


@pytest.fixture(scope="module")
def prod() -> dict[str, Any]:
    return t.render("prod")


def of_type(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def props(template: dict[str, Any], logical: str) -> dict[str, Any]:
    p: dict[str, Any] = template["Resources"][logical]["Properties"]
    return p


def test_table_follows_the_definition_with_cloud_protections(
    dev: dict[str, Any], prod: dict[str, Any]
) -> None:
    d = r.definition("tthc-dev")
    p = props(dev, "Table")
    assert p["TableName"] == "tthc-dev"
    assert [g["IndexName"] for g in p["GlobalSecondaryIndexes"]] == [
        ix.name for ix in d.table.indexes
    ]
    assert {a["AttributeName"] for a in p["AttributeDefinitions"]} == set(d.table.key_attributes())
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert p["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Ref": "DataKey"},
    }
    assert p["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    # Prod keeps its data; dev must be destroyable by `make destroy STAGE=dev`.
    assert props(prod, "Table")["DeletionProtectionEnabled"] is True
    assert prod["Resources"]["Table"]["DeletionPolicy"] == "Retain"
    assert p["DeletionProtectionEnabled"] is False
    assert dev["Resources"]["Table"]["DeletionPolicy"] == "Delete"


def test_a_new_index_in_the_definition_reaches_the_template() -> None:
    d = r.definition("tthc-dev")
    extra = r.Index("GSI9", "GSI9PK", "GSI9SK", "KEYS_ONLY")
    d = dataclasses.replace(
        d, table=dataclasses.replace(d.table, indexes=(*d.table.indexes, extra))
    )
    built = t._Builder(d, "dev", t.app_handlers(), {}).build()
    p = built["Resources"]["Table"]["Properties"]
    assert p["GlobalSecondaryIndexes"][-1]["IndexName"] == "GSI9"
    assert {"AttributeName": "GSI9PK", "AttributeType": "S"} in p["AttributeDefinitions"]


def test_every_bucket_is_private_encrypted_versioned_tls_only_with_lifecycle(
    dev: dict[str, Any],
) -> None:
    buckets = of_type(dev, "AWS::S3::Bucket")
    declared = {t._Builder.bucket_id(b.logical) for b in r.definition().buckets}
    assert declared <= set(buckets)
    policies = of_type(dev, "AWS::S3::BucketPolicy")
    for logical, b in buckets.items():
        p = b["Properties"]
        assert all(p["PublicAccessBlockConfiguration"].values()), logical
        assert p["VersioningConfiguration"] == {"Status": "Enabled"}, logical
        assert p["LifecycleConfiguration"]["Rules"], logical
        policy = policies[f"{logical}Policy"]["Properties"]["PolicyDocument"]
        deny = policy["Statement"][0]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        if logical in declared:
            enc = p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
            assert enc["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
            assert p["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogBucket"}
    results = buckets["ResultsBucket"]["Properties"]
    assert results["ObjectLockEnabled"] is True
    assert results["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"] == "GOVERNANCE"
    # The uploads notification of the definition, delivered to the uploads queue.
    notif = buckets["AttachmentsBucket"]["Properties"]["NotificationConfiguration"]
    assert notif["QueueConfigurations"] == [
        {"Event": "s3:ObjectCreated:*", "Queue": {"Fn::GetAtt": ["UploadsQueue", "Arn"]}}
    ]


def test_every_queue_has_an_encrypted_dlq_and_redrive(dev: dict[str, Any]) -> None:
    for q in r.definition().queues:
        main = props(dev, t._Builder.queue_id(q.logical))
        dlq = props(dev, t._Builder.dlq_id(q.logical))
        assert main["KmsMasterKeyId"] == dlq["KmsMasterKeyId"] == {"Ref": "DataKey"}
        assert main["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [t._Builder.dlq_id(q.logical), "Arn"]},
            "maxReceiveCount": q.max_receive_count,
        }
        assert main["VisibilityTimeout"] >= 6 * q.function.timeout_seconds


def test_state_machine_is_the_local_asl_after_the_same_substitution(dev: dict[str, Any]) -> None:
    sm = r.definition().state_machine("dossier")
    p = props(dev, "DossierStateMachine")
    text = p["DefinitionString"]["Fn::Sub"]
    assert isinstance(text, str)
    url = "https://sqs.ap-southeast-1.amazonaws.com/123456789012/tthc-dev-workflow"
    # What CloudFormation's Fn::Sub does with the template's text (WorkflowQueue's Ref is its URL)
    refs = {"WorkflowQueue": url}
    cloud = re.sub(r"\$\{([A-Za-z0-9_.]+)\}", lambda m: refs[m.group(1)], text)
    # ...equals what infra/provision.py gives the local stack.
    local = substitute(sm.definition_template(), {"WorkflowQueueUrl": url})
    assert json.loads(cloud) == json.loads(local)
    assert "$$.Task.Token" in cloud  # context paths survive the substitution
    assert p["TracingConfiguration"] == {"Enabled": True}
    assert p["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert "${" not in cloud


def test_functions_cover_the_app_handlers_with_batch_failure_reporting(
    dev: dict[str, Any],
) -> None:
    fns = of_type(dev, "AWS::Lambda::Function")
    handlers = {f["Properties"]["Handler"] for f in fns.values()}
    assert "app.app" in handlers
    available = t.app_handlers()
    for q in r.definition().queues:
        if q.handler in available:
            assert f"app.{q.handler}" in handlers
    assert {"app.on_workflow_message", "app.on_upload_event"} <= handlers
    mappings = of_type(dev, "AWS::Lambda::EventSourceMapping")
    consumers = {
        t.cfn_id(q.handler) for q in r.definition().queues if q.handler and q.handler in available
    }
    assert {m["Properties"]["FunctionName"]["Ref"] for m in mappings.values()} == consumers
    for m in mappings.values():
        assert m["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # Declared handlers app.py does not define yet are listed, not silently dropped.
    missing = dev["Metadata"]["HandlersDeclaredButNotInApp"]
    assert all(h not in available for h in missing)
    api = fns["APIHandler"]["Properties"]
    assert api["Timeout"] == r.definition().api_function.timeout_seconds
    assert api["Environment"]["Variables"]["TASK_QUEUE_URL"] == {"Ref": "WorkflowQueue"}


def test_api_routes_are_the_chalice_apps(dev: dict[str, Any]) -> None:
    from app import app

    body = props(dev, "RestAPI")["Body"]
    assert set(body["paths"]) == set(app.routes)
    for path, methods in app.routes.items():
        for method in methods:
            integ = body["paths"][path][method.lower()]["x-amazon-apigateway-integration"]
            assert "${APIHandler.Arn}" in integ["uri"]["Fn::Sub"]


def _statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for pol in props(template, role).get("Policies", []):
        out += pol["PolicyDocument"]["Statement"]
    return out


def test_iam_is_least_privilege_per_function(dev: dict[str, Any]) -> None:
    roles = of_type(dev, "AWS::IAM::Role")
    assert roles
    for role in roles:
        for s in _statements(dev, role):
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions), (role, actions)
            if "*" in s["Resource"]:
                # logs/xray have no narrower resource; SMS to a phone number has no ARN (and the
                # same role denies sns:Publish on every topic).
                allowed = (
                    ("logs", "xray", "sns") if role == "OnNotificationsRole" else ("logs", "xray")
                )
                assert all(a.split(":")[0] in allowed for a in actions), (role, s)
    # A consumer may consume only its own queue; the upload consumer cannot touch results.
    upload = _statements(dev, "OnUploadEventRole")
    consume = [s for s in upload if s.get("Sid") == "ConsumeOwnQueue"]
    assert consume[0]["Resource"] == [{"Fn::GetAtt": ["UploadsQueue", "Arn"]}]
    assert not any(s.get("Sid") == "ResultsObjects" for s in upload)
    assert not any(s.get("Sid") == "ConsumeOwnQueue" for s in _statements(dev, "APIHandlerRole"))


def test_the_push_secret_is_an_ssm_securestring_only_the_api_reads(dev: dict[str, Any]) -> None:
    # The national portal's push (HMAC) secret: one SSM parameter, read by the function the
    # intake route runs in and by no other; only that function is told its name.
    param = t.push_secret_param("tthc-dev")
    assert param == "/tthc-dev/dvcqg/push-secret"
    readers = []
    for role in of_type(dev, "AWS::IAM::Role"):
        for st in _statements(dev, role):
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if any(a.startswith("ssm:") for a in actions):
                readers.append(role)
                assert actions == ["ssm:GetParameter"]
                assert json.dumps(st["Resource"]).endswith(f'parameter{param}"}}]')
    assert readers == ["APIHandlerRole"]
    told = {
        logical
        for logical, fn in of_type(dev, "AWS::Lambda::Function").items()
        if "NATIONAL_PORTAL_PUSH_SECRET_PARAM" in fn["Properties"]["Environment"]["Variables"]
    }
    assert told == {"APIHandler"}
    env = props(dev, "APIHandler")["Environment"]["Variables"]
    assert env["NATIONAL_PORTAL_PUSH_SECRET_PARAM"] == param


def test_keys_alarms_topic_and_parameters(dev: dict[str, Any]) -> None:
    assert props(dev, "SigningKey")["KeyUsage"] == "SIGN_VERIFY"
    assert props(dev, "DataKey")["EnableKeyRotation"] is True
    for k in r.definition().kms_keys:  # the definition's keys, e.g. agency-keys
        assert props(dev, t._Builder.kms_id(k.logical))["EnableKeyRotation"] is k.rotation
        alias = props(dev, f"{t._Builder.kms_id(k.logical)}Alias")["AliasName"]
        assert alias == r.definition("tthc-dev").kms_alias(k.logical)
    env = props(dev, "APIHandler")["Environment"]["Variables"]
    assert env["AGENCY_KEYS_KMS_KEY"] == {"Fn::GetAtt": ["AgencyKeysKey", "Arn"]}
    alarms = of_type(dev, "AWS::CloudWatch::Alarm")
    metrics: set[tuple[str, str]] = set()
    for a in alarms.values():
        p = a["Properties"]
        if "Metrics" in p:  # metric math (e.g. a jump): the metric sits inside MetricStat
            for m in p["Metrics"]:
                if "MetricStat" in m:
                    metric = m["MetricStat"]["Metric"]
                    metrics.add((metric["Namespace"], metric["MetricName"]))
        else:
            metrics.add((p["Namespace"], p["MetricName"]))
    # the ops alarm on a jump of open overdue items, emitted by the daily digest
    assert any(name == "OverdueItems" for _ns, name in metrics), metrics
    assert metrics >= {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/States", "ExecutionsTimedOut"),
    }
    dlq_alarms = [a for a in alarms if a.endswith("DlqDepth")]
    assert len(dlq_alarms) == len(r.definition().queues)
    for a in alarms.values():
        assert a["Properties"]["AlarmActions"] == [{"Ref": "OpsTopic"}]
    assert {"Stage", "ProvinceName", "AlertEmail", "CodeBucket", "CodeKey"} <= set(
        dev["Parameters"]
    )
    assert dev["Parameters"]["Stage"]["AllowedValues"] == ["dev"]
    groups = {
        g["Properties"]["GroupName"] for g in of_type(dev, "AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {g.name for g in r.definition().user_pool.groups}
    rules = of_type(dev, "AWS::Events::Rule")
    for rule in rules.values():
        assert rule["Properties"]["ScheduleExpression"] in {
            s.expression for s in r.definition().schedules
        }


def test_hmac_keys_are_stack_secrets_resolved_into_every_function_at_deploy(
    dev: dict[str, Any],
) -> None:
    """The page cursors' and the VNeID sessions' keys: generated in Secrets Manager (encrypted
    with the data key, no fixed name), passed to every function as a dynamic reference, so all
    processes sign and check with one key (docs/operations.md, "Rotation")."""
    wired = {"CursorSigningKey": "CURSOR_SIGNING_KEY", "SessionSigningKey": "SESSION_SIGNING_KEY"}
    assert set(of_type(dev, "AWS::SecretsManager::Secret")) >= set(wired)
    fns = of_type(dev, "AWS::Lambda::Function")
    assert fns
    for logical, variable in wired.items():
        p = props(dev, logical)
        assert p["KmsKeyId"] == {"Ref": "DataKey"}
        assert "Name" not in p  # a deleted secret's name stays taken for its recovery window
        generated = p["GenerateSecretString"]
        assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True
        resolve = {
            "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": logical}, ":SecretString}}"]]
        }
        for name, fn in fns.items():
            assert fn["Properties"]["Environment"]["Variables"][variable] == resolve, name
        skips = dev["Resources"][logical]["Metadata"]["checkov"]["skip"]
        assert [s["id"] for s in skips] == ["CKV2_AWS_57"]  # rotation: by a deploy


def test_every_checkov_skip_has_a_reason(prod: dict[str, Any]) -> None:
    skips = [
        (k, s)
        for k, v in prod["Resources"].items()
        for s in v.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for logical, s in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", s["id"]), logical
        assert len(s["comment"]) > 15 and "\n" not in s["comment"], logical


def test_moto_variant_only_drops_unsupported_types_and_replaces_their_refs(
    dev: dict[str, Any],
) -> None:
    variant, removed = t.moto_variant(dev)
    kept_types = {v["Type"] for v in variant["Resources"].values()}
    assert not kept_types & (set(t.MOTO_UNSUPPORTED) | set(t.MOTO_FAILS))
    assert set(removed) == set(dev["Resources"]) - set(variant["Resources"])
    assert "APIHandler" in variant["Resources"]  # it referred to the user pool: kept, ref replaced
    text = json.dumps(variant["Resources"])
    for logical in removed:
        assert f'"Ref": "{logical}"' not in text
        assert f'["{logical}", ' not in text
    env = variant["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["USER_POOL_ID"].startswith("arn:aws:unavailable-in-moto")


def test_cli_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert t.main(["--stage", "staging"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["Parameters"]["Stage"]["Default"] == "staging"
    with pytest.raises(ValueError):
        t.render("qa")


def test_destroy_refuses_prod_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    from infra import deploy

    assert deploy.main(["destroy", "--stage", "prod", "--yes"]) == 2
    assert "refusing to destroy prod" in capsys.readouterr().err
    assert deploy.chalice_config("dev")["manage_iam_role"] is False
