"""The one resource definition, provisioned into moto: shape, idempotence, ASL hygiene."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest

from infra import resources as r
from infra.provision import ProvisioningError, provision, substitute

pytestmark = pytest.mark.integration


def _states(states: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every state, including those inside Map item processors and Parallel branches."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name, state in states.items():
        found.append((name, state))
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                found += _states(state[key]["States"])
        for branch in state.get("Branches", []):
            found += _states(branch["States"])
    return found


def test_every_state_has_a_comment_and_every_wait_is_bounded() -> None:
    sm = r.definition().state_machine("dossier")
    asl = json.loads(sm.definition_template())
    assert asl.get("Comment")
    states = _states(asl["States"])
    assert len(states) > 10
    missing = [name for name, s in states if not s.get("Comment")]
    assert missing == []
    for name, s in states:
        if str(s.get("Resource", "")).endswith(".waitForTaskToken"):
            # a legal deadline bounds every callback: never a wait without a timeout
            assert "TimeoutSecondsPath" in s or "TimeoutSeconds" in s, name
            # ... and its expiry is handled: caught (a legal deadline) or retried (a service
            # question such as the Timer, asked again if the consumer never answered)
            handled = [*s.get("Catch", []), *s.get("Retry", [])]
            assert any("States.Timeout" in c["ErrorEquals"] for c in handled), name


def test_placeholders_are_declared_and_substituted(aws: r.Outputs) -> None:
    sm = r.definition().state_machine("dossier")
    assert set(re.findall(r"\$\{(\w+)\}", sm.definition_template())) == set(sm.substitutions)
    sfn = boto3.client("stepfunctions", region_name=aws.region)
    desc = sfn.describe_state_machine(stateMachineArn=aws.state_machine_arn)
    assert "${" not in desc["definition"]
    assert aws.workflow_queue_url in desc["definition"]
    assert desc["type"] == "STANDARD"
    with pytest.raises(ProvisioningError, match="Nope"):
        substitute('{"a": "${Nope}"}', {})
    assert substitute('"${A}"', {"A": 'x"y'}) == '"x\\"y"'


def test_provisioning_twice_reuses_everything(aws: r.Outputs) -> None:
    again = provision()
    assert again == aws
    sfn = boto3.client("stepfunctions", region_name=aws.region)
    names = [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
    assert names == ["tthc-dossier"]
    idp = boto3.client("cognito-idp", region_name=aws.region)
    pools = [p["Name"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]]
    assert pools == ["tthc-users"]
    clients = idp.list_user_pool_clients(UserPoolId=aws.user_pool_id)["UserPoolClients"]
    assert len(clients) == 1
    sqs = boto3.client("sqs", region_name=aws.region)
    queues = sqs.list_queues(QueueNamePrefix="tthc-")["QueueUrls"]
    assert len(queues) == 2 * len(r.definition().queues)  # each with its DLQ


def test_another_stack_shares_the_endpoint(aws: r.Outputs) -> None:
    other = provision("demo2")
    assert other.table_name == "demo2"
    assert other.attachments_bucket == "demo2-attachments"
    assert other.workflow_queue_url != aws.workflow_queue_url
    assert other.user_pool_id != aws.user_pool_id


def test_table_has_the_five_indexes_ttl_and_pitr(aws: r.Outputs) -> None:
    ddb = boto3.client("dynamodb", region_name=aws.region)
    t = ddb.describe_table(TableName=aws.table_name)["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in t["KeySchema"]} == {
        "PK": "HASH",
        "SK": "RANGE",
    }
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    gsis = {g["IndexName"]: g for g in t["GlobalSecondaryIndexes"]}
    assert sorted(gsis) == [f"GSI{n}" for n in range(1, 6)]
    for n in range(1, 6):
        g = gsis[f"GSI{n}"]
        assert [k["AttributeName"] for k in g["KeySchema"]] == [f"GSI{n}PK", f"GSI{n}SK"]
        assert g["Projection"]["ProjectionType"] == "ALL"
    assert all(a["AttributeType"] == "S" for a in t["AttributeDefinitions"])
    ttl = ddb.describe_time_to_live(TableName=aws.table_name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiration"}
    backups = ddb.describe_continuous_backups(TableName=aws.table_name)
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"


def test_queues_have_dead_letter_queues(aws: r.Outputs) -> None:
    sqs = boto3.client("sqs", region_name=aws.region)
    assert set(aws.queues) == {"workflow", "uploads", "notifications", "portal-sync"}
    for q in aws.queues.values():
        attrs = sqs.get_queue_attributes(QueueUrl=q.url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attrs["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"] == q.dlq_arn
        assert int(redrive["maxReceiveCount"]) == 5


def test_attachments_bucket_notifies_the_uploads_queue_and_allows_browser_posts(
    aws: r.Outputs,
) -> None:
    s3 = boto3.client("s3", region_name=aws.region)
    notif = s3.get_bucket_notification_configuration(Bucket=aws.attachments_bucket)
    [cfg] = notif["QueueConfigurations"]
    assert cfg["QueueArn"] == aws.queues["uploads"].arn
    assert cfg["Events"] == ["s3:ObjectCreated:*"]
    [rule] = s3.get_bucket_cors(Bucket=aws.attachments_bucket)["CORSRules"]
    assert set(rule["AllowedMethods"]) == {"POST", "PUT", "GET"}
    assert rule["AllowedHeaders"] == ["*"]
    assert set(aws.buckets) == {"attachments", "results", "web", "reports"}


def test_web_origin_restricts_uploads(aws: r.Outputs) -> None:
    provision(web_origin="https://dichvucong.haugiang.gov.vn")
    s3 = boto3.client("s3", region_name=aws.region)
    [rule] = s3.get_bucket_cors(Bucket=aws.attachments_bucket)["CORSRules"]
    assert rule["AllowedOrigins"] == ["https://dichvucong.haugiang.gov.vn"]


def test_user_pool_groups_attributes_and_public_client(aws: r.Outputs) -> None:
    idp = boto3.client("cognito-idp", region_name=aws.region)
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=aws.user_pool_id)["Groups"]}
    assert groups == {"citizen", "desk", "agency", "leader", "province", "admin"}
    pool = idp.describe_user_pool(UserPoolId=aws.user_pool_id)["UserPool"]
    attrs = {a["Name"] for a in pool["SchemaAttributes"]}
    assert {"custom:unit", "custom:role"} <= attrs
    client = idp.describe_user_pool_client(
        UserPoolId=aws.user_pool_id, ClientId=aws.user_pool_client_id
    )["UserPoolClient"]
    assert "ClientSecret" not in client
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    # people cannot grant themselves a role or a unit
    assert not {"custom:unit", "custom:role"} & set(client.get("WriteAttributes", []))


def test_schedules_are_rules_with_declared_handlers(aws: r.Outputs) -> None:
    stack = r.definition()
    digest = next(s for s in stack.schedules if s.name == "daily-digest")
    assert digest.expression == "cron(0 0 ? * MON-FRI *)"
    assert digest.handler == "on_daily_digest"
    events = boto3.client("events", region_name=aws.region)
    rule = events.describe_rule(Name="tthc-daily-digest")
    assert rule["ScheduleExpression"] == digest.expression
    assert aws.schedules["daily-digest"] == rule["Arn"]


def test_environment_matches_the_settings(aws: r.Outputs) -> None:
    from chalicelib.settings import Settings

    env = r.environment(aws)
    s = Settings.from_env(env)
    assert s.table_name == aws.table_name
    assert s.task_queue_url == aws.workflow_queue_url
    assert s.upload_queue_url == aws.uploads_queue_url
    assert s.state_machine_arn == aws.state_machine_arn
    assert s.user_pool_client_id == aws.user_pool_client_id
    assert "AWS_ENDPOINT_URL" not in env and "JWKS_URL" not in env  # in process: no endpoint

    local = r.Outputs.from_dict(
        {**aws.to_dict(), "endpoint_url": "http://127.0.0.1:5123", "jwks_url": None}
    )
    env = r.environment(local, public_base_url="http://localhost:8000")
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5123"
    assert env["JWKS_URL"] == f"http://127.0.0.1:5123/{aws.user_pool_id}/.well-known/jwks.json"
    assert env["PUBLIC_BASE_URL"] == "http://localhost:8000"
    assert r.jwks_url("http://127.0.0.1:5123/", "ap-southeast-1", "pool") == (
        "http://127.0.0.1:5123/pool/.well-known/jwks.json"
    )
