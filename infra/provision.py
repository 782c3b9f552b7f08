"""Create the resources of `infra.resources` with boto3, idempotently.

Used by the local stack (moto server), by tests (moto in process) and against LocalStack. Re-running
against the same endpoint reuses and reconfigures what exists, so it is safe on every start. The
cloud deploys from a template rendered from the same definition instead (a later change).

    python -m infra.provision [--stack tthc] [--endpoint-url URL] [--web-origin URL] [--env]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from infra import resources as r

log = logging.getLogger(__name__)

SERVICES = ("dynamodb", "s3", "sqs", "stepfunctions", "iam", "events", "cognito-idp", "sts")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class ProvisioningError(RuntimeError):
    """The definition cannot be applied (e.g. an ASL placeholder with no substitution)."""


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _default_session(region: str) -> Any:
    """A LocalStack session when LOCALSTACK=1, else a plain boto3 session."""
    if os.environ.get("LOCALSTACK") == "1":
        from localstack_client.session import Session as LocalstackSession

        return LocalstackSession(region_name=region)
    import boto3

    return boto3.session.Session(region_name=region)


def _region(session: Any, region: str | None) -> str:
    return (
        region
        or getattr(session, "region_name", None)
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or r.DEFAULT_REGION
    )


def _endpoint(session: Any, endpoint_url: str | None) -> str | None:
    if endpoint_url:
        return endpoint_url.rstrip("/")
    env = os.environ.get("AWS_ENDPOINT_URL")
    if env:
        return env.rstrip("/")
    mapping = getattr(session, "_service_endpoint_mapping", None)  # localstack_client.Session
    if isinstance(mapping, dict) and mapping.get("sqs"):
        return str(mapping["sqs"]).rstrip("/")
    return None


def substitute(template: str, values: Mapping[str, str]) -> str:
    """Replace `${Name}` placeholders; every placeholder must have a value (no silent leftovers)."""
    missing = sorted({m for m in _PLACEHOLDER.findall(template) if m not in values})
    if missing:
        raise ProvisioningError(f"no value for ASL placeholders: {', '.join(missing)}")
    # Values go into JSON strings: escape them as JSON string contents.
    return _PLACEHOLDER.sub(lambda m: json.dumps(values[m.group(1)])[1:-1], template)


def create_bucket_if_missing(s3: Any, name: str, region: str) -> bool:
    """Create the bucket unless it exists; True when it was created now."""
    try:
        s3.head_bucket(Bucket=name)
        return False
    except Exception as exc:
        if _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kwargs: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    return True


def apply_bucket_baseline(
    s3: Any, name: str, *, block_public_access: bool, encryption: str, versioned: bool
) -> None:
    """Public access blocked, default encryption, versioning: idempotent puts."""
    if block_public_access:
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": encryption}}]
        },
    )
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


class _Provisioner:
    """One provisioning run: clients, the definition and the outputs gathered so far."""

    def __init__(
        self, stack: r.Stack, client: Callable[[str], Any], region: str, endpoint: str | None
    ) -> None:
        self.stack = stack
        self.client = client
        self.region = region
        self.endpoint = endpoint

    def run(self) -> r.Outputs:
        account_id = str(self.client("sts").get_caller_identity()["Account"])
        table_name, table_arn = self.table()
        buckets = {b.logical: self.bucket(b) for b in self.stack.buckets}
        queues = {q.logical: self.queue(q, account_id) for q in self.stack.queues}
        for bucket_logical in {n.bucket for n in self.stack.notifications}:
            self.notifications(bucket_logical, buckets, queues)
        pool_id, pool_arn, client_id = self.user_pool()
        kms_keys = {k.logical: self.kms_key(k) for k in getattr(self.stack, "kms_keys", ())}
        signing = getattr(self.stack, "signing_key", None)
        if signing is not None:
            kms_keys[signing.logical] = self.signing_key(signing)
        out = r.Outputs(
            stack=self.stack.name,
            region=self.region,
            account_id=account_id,
            endpoint_url=self.endpoint,
            table_name=table_name,
            table_arn=table_arn,
            buckets=buckets,
            queues=queues,
            state_machines={},
            schedules={},
            user_pool_id=pool_id,
            user_pool_arn=pool_arn,
            user_pool_client_id=client_id,
            jwks_url=r.jwks_url(self.endpoint, self.region, pool_id),
            kms_keys=kms_keys,
        )
        for sm in self.stack.state_machines:
            out.state_machines[sm.logical] = self.state_machine(sm, out, account_id)
        for sched in self.stack.schedules:
            out.schedules[sched.name] = self.schedule(sched)
        self.report_sender()
        for alarm in getattr(self.stack, "alarms", ()):
            self.log_alarm(alarm)
        return out

    # --- SES and ops alarms ----------------------------------------------------------------------

    def report_sender(self) -> None:
        """Verify the reports' sender identity (REPORT_SENDER) so SES accepts the e-mail.

        moto and LocalStack verify at once; in AWS the address owner confirms by e-mail (or the
        domain is verified in the account), which the deployment guide covers.
        """
        from chalicelib.settings import Settings

        sender = Settings.from_env().report_sender
        try:
            self.client("ses").verify_email_identity(EmailAddress=sender)
        except Exception as exc:  # SES unavailable on this endpoint: reports still build
            log.warning("SES sender %s not verified: %s", sender, exc)

    def log_alarm(self, a: r.MetricAlarm) -> None:
        """Locally an ops alarm is only logged: moto stores alarms but never evaluates them."""
        what = f"{a.expression} of " if a.expression else ""
        log.info(
            "ops alarm %s (cloud only): %s%s/%s %s per %ds > %s — %s",
            a.logical,
            what,
            a.namespace,
            a.metric,
            a.statistic,
            a.period_seconds,
            a.threshold,
            a.description,
        )

    # --- KMS -------------------------------------------------------------------------------------

    def kms_key(self, k: r.KmsKey) -> str:
        """The key behind `alias/<stack>-<logical>`, created with its alias the first time."""
        kms = self.client("kms")
        alias = self.stack.kms_alias(k.logical)
        try:
            return str(kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"])
        except Exception as exc:
            if _error_code(exc) != "NotFoundException":
                raise
        meta = kms.create_key(
            Description=f"{self.stack.name}: {k.purpose}",
            KeyUsage="ENCRYPT_DECRYPT",
            KeySpec="SYMMETRIC_DEFAULT",
            Tags=[{"TagKey": "stack", "TagValue": self.stack.name}],
        )["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
        if k.rotation:
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        return str(meta["Arn"])

    def signing_key(self, k: r.SigningKey) -> str:
        """The asymmetric signing key behind `alias/<stack>-<logical>`, created the first time."""
        kms = self.client("kms")
        alias = self.stack.kms_alias(k.logical)
        try:
            meta = kms.describe_key(KeyId=alias)["KeyMetadata"]
        except Exception as exc:
            if _error_code(exc) != "NotFoundException":
                raise
        else:
            if meta.get("KeyUsage") != k.key_usage:
                raise ProvisioningError(f"{alias} exists but is not a {k.key_usage} key")
            return str(meta["Arn"])
        meta = kms.create_key(
            Description=f"{self.stack.name}: {k.purpose}",
            KeyUsage=k.key_usage,
            KeySpec=k.key_spec,
            Tags=[{"TagKey": "stack", "TagValue": self.stack.name}],
        )["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
        return str(meta["Arn"])

    # --- DynamoDB --------------------------------------------------------------------------------

    def table(self) -> tuple[str, str]:
        ddb = self.client("dynamodb")
        t = self.stack.table
        name = self.stack.table_name()
        try:
            desc = ddb.describe_table(TableName=name)["Table"]
        except Exception as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
            ddb.create_table(
                TableName=name,
                BillingMode=t.billing_mode,
                AttributeDefinitions=[
                    {"AttributeName": a, "AttributeType": "S"} for a in t.key_attributes()
                ],
                KeySchema=[
                    {"AttributeName": t.partition_key, "KeyType": "HASH"},
                    {"AttributeName": t.sort_key, "KeyType": "RANGE"},
                ],
                GlobalSecondaryIndexes=[_gsi(ix) for ix in t.indexes],
            )
            ddb.get_waiter("table_exists").wait(
                TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
            )
            desc = ddb.describe_table(TableName=name)["Table"]
        existing = {g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])}
        for ix in t.indexes:
            if ix.name not in existing:  # an index added to the definition later
                log.info("adding index %s to %s", ix.name, name)
                ddb.update_table(
                    TableName=name,
                    AttributeDefinitions=[
                        {"AttributeName": a, "AttributeType": "S"}
                        for a in (ix.partition_key, ix.sort_key)
                    ],
                    GlobalSecondaryIndexUpdates=[{"Create": _gsi(ix)}],
                )
                _wait_table_active(ddb, name)
        if t.ttl_attribute:
            ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": t.ttl_attribute},
                )
        try:
            ddb.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": t.point_in_time_recovery
                },
            )
        except Exception as exc:  # emulators without PITR: a local stack does not need it
            log.warning("point-in-time recovery not set on %s: %s", name, exc)
        return name, str(desc["TableArn"])

    # --- S3 --------------------------------------------------------------------------------------

    def bucket(self, b: r.Bucket) -> str:
        s3 = self.client("s3")
        name = self.stack.bucket_name(b.logical)
        create_bucket_if_missing(s3, name, self.region)
        apply_bucket_baseline(
            s3,
            name,
            block_public_access=b.block_public_access,
            encryption=b.encryption,
            versioned=b.versioned,
        )
        if b.cors is not None:
            c = b.cors
            s3.put_bucket_cors(
                Bucket=name,
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "AllowedOrigins": list(c.allowed_origins),
                            "AllowedMethods": list(c.allowed_methods),
                            "AllowedHeaders": list(c.allowed_headers),
                            "ExposeHeaders": list(c.expose_headers),
                            "MaxAgeSeconds": c.max_age_seconds,
                        }
                    ]
                },
            )
        return name

    def notifications(
        self, bucket_logical: str, buckets: dict[str, str], queues: dict[str, r.QueueOutputs]
    ) -> None:
        """One put per bucket (S3 replaces the whole configuration on each put)."""
        configs = [
            {
                "Id": f"{n.bucket}-to-{n.queue}",
                "QueueArn": queues[n.queue].arn,
                "Events": list(n.events),
                **(
                    {"Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": n.prefix}]}}}
                    if n.prefix
                    else {}
                ),
            }
            for n in self.stack.notifications
            if n.bucket == bucket_logical
        ]
        self.client("s3").put_bucket_notification_configuration(
            Bucket=buckets[bucket_logical],
            NotificationConfiguration={"QueueConfigurations": configs},
        )

    # --- SQS -------------------------------------------------------------------------------------

    def _ensure_queue(self, name: str, attributes: dict[str, str]) -> tuple[str, str]:
        sqs = self.client("sqs")
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        except Exception as exc:
            if "NonExistentQueue" not in _error_code(exc) and "QueueDoesNotExist" not in str(exc):
                raise
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return str(url), str(arn)

    def queue(self, q: r.Queue, account_id: str) -> r.QueueOutputs:
        dlq_name = self.stack.dlq_name(q.logical)
        dlq_url, dlq_arn = self._ensure_queue(
            dlq_name, {"MessageRetentionPeriod": str(q.dlq_retention_seconds)}
        )
        name = self.stack.queue_name(q.logical)
        attributes = {
            "VisibilityTimeout": str(q.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(q.retention_seconds),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(q.max_receive_count)}
            ),
        }
        senders = [n for n in self.stack.notifications if n.queue == q.logical]
        if senders:
            arn = f"arn:aws:sqs:{self.region}:{account_id}:{name}"
            attributes["Policy"] = json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": f"s3-{n.bucket}",
                            "Effect": "Allow",
                            "Principal": {"Service": "s3.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": arn,
                            "Condition": {
                                "ArnLike": {
                                    "aws:SourceArn": f"arn:aws:s3:::"
                                    f"{self.stack.bucket_name(n.bucket)}"
                                },
                                "StringEquals": {"aws:SourceAccount": account_id},
                            },
                        }
                        for n in senders
                    ],
                }
            )
        url, arn = self._ensure_queue(name, attributes)
        return r.QueueOutputs(name, url, arn, dlq_name, dlq_url, dlq_arn)

    # --- Step Functions --------------------------------------------------------------------------

    def _role(self, sm: r.StateMachine, out: r.Outputs) -> str:
        iam = self.client("iam")
        name = self.stack.state_machine_role_name(sm.logical)
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "states.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        try:
            arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        except Exception as exc:
            if _error_code(exc) != "NoSuchEntity":
                raise
            arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))[
                "Role"
            ]["Arn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sqs:SendMessage",
                    "Resource": [out.queues[q].arn for q in sm.sends_to_queues],
                }
            ],
        }
        iam.put_role_policy(RoleName=name, PolicyName="send", PolicyDocument=json.dumps(policy))
        return str(arn)

    def state_machine(self, sm: r.StateMachine, out: r.Outputs, account_id: str) -> str:
        sfn = self.client("stepfunctions")
        values = {k: out.resolve(ref) for k, ref in sm.substitutions.items()}
        definition = substitute(sm.definition_template(), values)
        json.loads(definition)  # fail here, not inside the emulator, on a broken file
        role_arn = self._role(sm, out)
        name = self.stack.state_machine_name(sm.logical)
        existing = None
        for page in sfn.get_paginator("list_state_machines").paginate():
            for item in page["stateMachines"]:
                if item["name"] == name:
                    existing = str(item["stateMachineArn"])
        if existing:
            sfn.update_state_machine(
                stateMachineArn=existing, definition=definition, roleArn=role_arn
            )
            return existing
        for attempt in range(10):  # a new IAM role takes a few seconds to be assumable in AWS
            try:
                return str(
                    sfn.create_state_machine(
                        name=name, definition=definition, roleArn=role_arn, type=sm.type
                    )["stateMachineArn"]
                )
            except Exception as exc:
                if _error_code(exc) != "AccessDeniedException" or attempt == 9:
                    raise
                time.sleep(2)
        raise AssertionError("unreachable")

    # --- EventBridge -----------------------------------------------------------------------------

    def schedule(self, s: r.Schedule) -> str:
        """The rule only: its target is the handler's Lambda, wired by the cloud deployment.

        Locally there is no Lambda; `infra.local` fires the handler itself on the same expression.
        """
        rule = self.client("events").put_rule(
            Name=self.stack.schedule_name(s.name),
            ScheduleExpression=s.expression,
            State="ENABLED",
            Description=f"{s.description} ({s.local_time}) -> {s.handler}"[:512],
        )
        return str(rule["RuleArn"])

    # --- Cognito ---------------------------------------------------------------------------------

    def user_pool(self) -> tuple[str, str, str]:
        idp = self.client("cognito-idp")
        up = self.stack.user_pool
        pool_name = self.stack.user_pool_name()
        pool_id = None
        for page in idp.get_paginator("list_user_pools").paginate(
            PaginationConfig={"PageSize": 60}
        ):
            for p in page["UserPools"]:
                if p["Name"] == pool_name:
                    pool_id = str(p["Id"])
        if pool_id is None:
            pp = up.password_policy
            pool_id = str(
                idp.create_user_pool(
                    PoolName=pool_name,
                    Policies={
                        "PasswordPolicy": {
                            "MinimumLength": pp.minimum_length,
                            "RequireUppercase": pp.require_uppercase,
                            "RequireLowercase": pp.require_lowercase,
                            "RequireNumbers": pp.require_numbers,
                            "RequireSymbols": pp.require_symbols,
                        }
                    },
                    Schema=[
                        {
                            "Name": a.name,
                            "AttributeDataType": "String",
                            "Mutable": a.mutable,
                            "StringAttributeConstraints": {
                                "MinLength": "0",
                                "MaxLength": str(a.max_length),
                            },
                        }
                        for a in up.custom_attributes
                    ],
                    UsernameConfiguration={"CaseSensitive": False},
                    AdminCreateUserConfig={"AllowAdminCreateUserOnly": False},
                )["UserPool"]["Id"]
            )
        pool_arn = str(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"])
        client_name = self.stack.user_pool_client_name()
        client_id = None
        for page in idp.get_paginator("list_user_pool_clients").paginate(
            UserPoolId=pool_id, PaginationConfig={"PageSize": 60}
        ):
            for c in page["UserPoolClients"]:
                if c["ClientName"] == client_name:
                    client_id = str(c["ClientId"])
        if client_id is None:
            client_id = str(
                idp.create_user_pool_client(
                    UserPoolId=pool_id,
                    ClientName=client_name,
                    GenerateSecret=up.generate_secret,
                    ExplicitAuthFlows=list(up.explicit_auth_flows),
                    PreventUserExistenceErrors="ENABLED",
                    # People may not write their own role or unit: only administrators do.
                    WriteAttributes=["email", "name", "phone_number"],
                    IdTokenValidity=up.id_token_validity_minutes,
                    AccessTokenValidity=up.id_token_validity_minutes,
                    RefreshTokenValidity=up.refresh_token_validity_days,
                    TokenValidityUnits={
                        "IdToken": "minutes",
                        "AccessToken": "minutes",
                        "RefreshToken": "days",
                    },
                )["UserPoolClient"]["ClientId"]
            )
        for g in up.groups:
            try:
                idp.create_group(
                    UserPoolId=pool_id,
                    GroupName=g.name,
                    Description=g.description,
                    Precedence=g.precedence,
                )
            except Exception as exc:
                if _error_code(exc) != "GroupExistsException":
                    raise
        return pool_id, pool_arn, client_id


def _gsi(ix: r.Index) -> dict[str, Any]:
    return {
        "IndexName": ix.name,
        "KeySchema": [
            {"AttributeName": ix.partition_key, "KeyType": "HASH"},
            {"AttributeName": ix.sort_key, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": ix.projection},
    }


def _wait_table_active(ddb: Any, name: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = ddb.describe_table(TableName=name)["Table"]
        busy = [g for g in t.get("GlobalSecondaryIndexes", []) if g.get("IndexStatus") != "ACTIVE"]
        if t.get("TableStatus") == "ACTIVE" and not busy:
            return
        time.sleep(1)
    raise ProvisioningError(f"table {name} did not become ACTIVE")


def provision(
    stack: str = r.DEFAULT_STACK,
    *,
    session: Any = None,
    clients: Mapping[str, Any] | None = None,
    endpoint_url: str | None = None,
    web_origin: str | Sequence[str] | None = None,
    region: str | None = None,
) -> r.Outputs:
    """Create (or reuse) every resource of `stack` and return what was made.

    Clients come from `clients` (by service name) when given, else from `session` (a boto3 or
    `localstack_client` session), else from a new session (LocalStack's when LOCALSTACK=1), pointed
    at `endpoint_url` or `AWS_ENDPOINT_URL`. Under moto's `mock_aws` no endpoint is needed.
    `web_origin` (one or several) may POST uploads to the attachments bucket; default any.
    """
    region_name = _region(session, region)
    if session is None and clients is None:
        session = _default_session(region_name)
    endpoint = _endpoint(session, endpoint_url)
    cache: dict[str, Any] = dict(clients or {})

    def client(service: str) -> Any:
        if service not in cache:
            kwargs: dict[str, Any] = {"region_name": region_name}
            if endpoint:
                kwargs["endpoint_url"] = endpoint
            cache[service] = session.client(service, **kwargs)
        return cache[service]

    origins = [web_origin] if isinstance(web_origin, str) else list(web_origin or ["*"])
    definition = r.definition(stack, web_origins=origins)
    outputs = _Provisioner(definition, client, region_name, endpoint).run()
    log.info(
        "provisioned stack %s at %s; JWKS %s",
        stack,
        endpoint or "the default endpoints",
        outputs.jwks_url,
    )
    return outputs


def main(argv: list[str] | None = None) -> int:
    """Provision from the command line and print the outputs (or the environment) as JSON."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--stack", default=r.DEFAULT_STACK)
    p.add_argument("--endpoint-url", default=None)
    p.add_argument("--web-origin", default=None)
    p.add_argument("--region", default=None)
    p.add_argument("--env", action="store_true", help="print the app's environment variables")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = provision(a.stack, endpoint_url=a.endpoint_url, web_origin=a.web_origin, region=a.region)
    data = r.environment(out) if a.env else out.to_dict()
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
