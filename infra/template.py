"""Render the CloudFormation template of one stage FROM `infra.resources` (no second resource list).

    python -m infra.template [--stage dev] [--moto] > out.json

Every table index, bucket, queue, state machine, schedule, user-pool group and function below
is read from `infra.resources.definition()`; this module only says how each declared thing looks
in CloudFormation, plus the cloud-only companions it needs (KMS keys, log groups, IAM roles,
alarms, the API Gateway stage, the access-log bucket). The API's routes come from the Chalice app
itself (Chalice's own CloudFormation swagger generator), and the handlers of queue consumers and
schedules are the app's functions of the names the definition declares.

Code: every function runs the same `chalice package` artifact (deployment.zip), uploaded by
`infra/deploy.py` to the `CodeBucket`/`CodeKey` parameters; the handler differs per function
(`app.app` for the API, `app.<handler>` for consumers and schedules).

`--moto` renders the variant deployed into moto's CloudFormation in tests: the types moto cannot
create (`MOTO_UNSUPPORTED`, each with what is lost) are removed; references to them become
placeholder strings.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from infra import resources as r
from infra.provision import substitute

STAGES = ("dev", "staging", "prod")
RUNTIME = "python3.11"
LOG_RETENTION_DAYS = 365  # a year of logs: audit questions come back months later
API_STAGE = "api"  # Chalice's default stage name; routes already start with /api
SIGNING_KEY_ID = "SigningKey"  # logical id of the definition's `signing_key`
CURSOR_KEY_ID = "CursorSigningKey"  # the page cursors' HMAC key (Secrets Manager)
SESSION_KEY_ID = "SessionSigningKey"  # the VNeID sessions' HMAC key (Secrets Manager)
# The HMAC keys every function reads from the environment, each a stack-generated secret resolved
# at deploy: (logical id, environment variable, what it signs).
SIGNING_SECRETS = (
    (CURSOR_KEY_ID, "CURSOR_SIGNING_KEY", "the API's page cursors"),
    (SESSION_KEY_ID, "SESSION_SIGNING_KEY", "the VNeID sessions"),
)

Json = dict[str, Any]

# Types moto 5.2.5's CloudFormation cannot create (it warns and skips them, so anything that refers
# to them would fail to resolve). The moto variant drops them and their dependants; cfn-lint and
# checkov still check the full template.
_LINT_ONLY = "checked by cfn-lint and checkov only"
MOTO_UNSUPPORTED: dict[str, str] = {
    "AWS::ApiGateway::Account": f"the account's API Gateway logging role: {_LINT_ONLY}",
    "AWS::ApiGateway::Stage": f"API stage throttling, access logs and tracing: {_LINT_ONLY}",
    "AWS::ApiGateway::UsagePlan": f"agency usage plans: {_LINT_ONLY}",
    "AWS::CloudFront::Distribution": f"the web's CDN: {_LINT_ONLY}",
    "AWS::CloudFront::OriginAccessControl": f"CloudFront's signed reads of the web: {_LINT_ONLY}",
    "AWS::CloudWatch::Alarm": f"alarms: {_LINT_ONLY}",
    "AWS::Rekognition::Collection": f"the face collection (moto has no face search): {_LINT_ONLY}",
    "AWS::Cognito::UserPool": "the pool: infra/provision.py creates it in the other tests",
    "AWS::Cognito::UserPoolClient": "the client: infra/provision.py creates it in the other tests",
    "AWS::Cognito::UserPoolGroup": "the groups: infra/provision.py creates them in the other tests",
    "AWS::S3::BucketPolicy": f"TLS-only bucket policies: {_LINT_ONLY}",
    "AWS::SNS::Subscription": f"the ops e-mail subscription: {_LINT_ONLY}",
    "AWS::SecretsManager::Secret": (
        f"the page-cursor and VNeID-session keys (make run makes its own): {_LINT_ONLY}"
    ),
    "AWS::SQS::QueuePolicy": f"queue policies (S3 may send, TLS only): {_LINT_ONLY}",
}
# Types moto models but cannot create from this template.
MOTO_FAILS: dict[str, str] = {
    "AWS::ApiGateway::Deployment": (
        "moto creates the RestApi without importing its OpenAPI Body, so it has no methods and "
        "a deployment is refused"
    ),
}


# --- helpers -------------------------------------------------------------------------------------


# The restore pointer (docs/operations.md "Restore"): a parameter and the condition it drives.
ACTIVE_TABLE_PARAM = "ActiveTableName"
USES_RESTORED_TABLE = "UsesRestoredTable"


def ref(logical: str) -> Json:
    return {"Ref": logical}


def arn(logical: str) -> Json:
    return {"Fn::GetAtt": [logical, "Arn"]}


def sub(text: str) -> Json:
    return {"Fn::Sub": text}


def cfn_id(*parts: str) -> str:
    """A CloudFormation logical id from name parts: `on_workflow_message` -> `OnWorkflowMessage`."""
    out = ""
    for part in parts:
        for word in part.replace("-", "_").split("_"):
            out += word[:1].upper() + word[1:]
    return out


def skip(*checks: tuple[str, str]) -> Json:
    """Checkov skips, each with its one-line reason, in the resource's Metadata."""
    return {"checkov": {"skip": [{"id": c, "comment": why} for c, why in checks]}}


def statement(actions: Iterable[str], resources: Iterable[Any], sid: str = "") -> Json:
    s: Json = {"Effect": "Allow", "Action": sorted(set(actions)), "Resource": list(resources)}
    if sid:
        s["Sid"] = sid
    return s


def policy(*statements: Json) -> Json:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# --- functions and their permissions --------------------------------------------------------------


@dataclass(frozen=True)
class Function:
    """One Lambda of the template: the API, a queue consumer or a schedule target."""

    logical: str
    handler: str  # the Python handler, e.g. app.app or app.on_workflow_message
    name: str  # the app's handler name, or "api"
    settings: r.FunctionSettings
    queue: str | None = None  # the queue it consumes
    schedule: r.Schedule | None = None


DDB_READ = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
)
DDB_WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
# Transactions need no actions of their own: IAM checks each item's PutItem/UpdateItem/...

# Every handler that reads or writes dossiers or profiles needs the personal-data key
# (chalicelib.store.pii: envelope data keys, decrypted once and cached per process).
PII_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")

# Deleting every version of an object (retention, erasure): store/s3_erase.py.
ERASE_OBJECTS = (
    "s3:ListBucketVersions",
    "s3:GetObjectRetention",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
)

PORTAL_SECRET = ("secretsmanager:GetSecretValue",)
# The push intake's HMAC secret: an SSM SecureString (`/<stack>/dvcqg/push-secret`), made by ops
# (CloudFormation cannot create a SecureString; docs/operations.md "Rotating the DVCQG push
# secret"), encrypted with the account's aws/ssm key (its key policy lets SSM decrypt for a
# caller allowed to read the parameter). Read only by the function the intake route runs in.
PUSH_SECRET = ("ssm:GetParameter",)
push_secret_param = r.push_secret_param

# What each handler does with data, by the app's handler name. A handler not listed gets only
# read/write on the table and its own queue; adding a capability is one line here.
GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "api": {
        "table": DDB_READ + DDB_WRITE,
        "attachments": ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
        "results": ("s3:GetObject", "s3:PutObject"),
        "reports": (
            "s3:GetObject",
            "s3:PutObject",
        ),  # on-demand reports (services/reporting/report.py)
        "states": ("states:StartExecution", "states:SendTaskSuccess", "states:SendTaskFailure"),
        "executions": ("states:DescribeExecution", "states:GetExecutionHistory"),
        "cognito": (
            "cognito-idp:AdminAddUserToGroup",
            "cognito-idp:AdminConfirmSignUp",
            "cognito-idp:AdminCreateUser",
            "cognito-idp:AdminGetUser",
            "cognito-idp:AdminSetUserPassword",
            "cognito-idp:AdminUpdateUserAttributes",
        ),
        "sign": ("kms:Sign", "kms:Verify", "kms:GetPublicKey"),
        "portal_secret": PORTAL_SECRET,  # the client secret (the intake fetches files)
        "push_secret": PUSH_SECRET,  # the intake route's push signature: here only
        "kms_keys": ("kms:Encrypt", "kms:Decrypt"),  # agencies' API secrets (agency_keys)
        "ses": ("ses:SendRawEmail",),  # an on-demand report e-mailed from the console
        # Erasure on request (privacy_rights): every version of the person's objects.
        "erase": ERASE_OBJECTS,
        # Face lookup and registration (integrations/faces.py), on the stack's collection.
        "rekognition": (
            "rekognition:SearchFacesByImage",
            "rekognition:IndexFaces",
            "rekognition:DeleteFaces",
        ),
    },
    "on_notifications": {
        "table": DDB_READ + DDB_WRITE,
        "ses": ("ses:SendEmail",),
        "sms": ("sns:Publish",),
    },
    "on_retention": {
        "table": DDB_READ + DDB_WRITE,
        "erase": ERASE_OBJECTS,
    },
    "on_workflow_message": {
        "table": DDB_READ + DDB_WRITE,
        "states": ("states:SendTaskSuccess", "states:SendTaskFailure"),
    },
    "on_upload_event": {
        "table": DDB_READ + DDB_WRITE,
        "attachments": ("s3:GetObject", "s3:DeleteObject"),
    },
    # The national portal (Cổng DVCQG): the secret for its token and the push signature; the
    # intake writes the portal's files into the attachments bucket.
    "on_portal_sync": {"table": DDB_READ + DDB_WRITE, "portal_secret": PORTAL_SECRET},
    "on_portal_sync_sweep": {"table": DDB_READ + DDB_WRITE, "portal_secret": PORTAL_SECRET},
    "on_portal_intake_pull": {
        "table": DDB_READ + DDB_WRITE,
        "attachments": ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
        "portal_secret": PORTAL_SECRET,
    },
    "on_portal_reconcile": {"table": DDB_READ + DDB_WRITE, "portal_secret": PORTAL_SECRET},
    "on_portal_catalogue": {"table": DDB_READ + DDB_WRITE, "portal_secret": PORTAL_SECRET},
    "on_semiannual_report": {
        "table": DDB_READ + DDB_WRITE,
        "reports": ("s3:GetObject", "s3:PutObject"),
        "ses": ("ses:SendRawEmail",),
    },
}
DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {"table": DDB_READ + DDB_WRITE}


def app_handlers() -> set[str]:
    """The names of the handlers app.py defines (imported lazily: app.py is light by design)."""
    app_module = importlib.import_module("app")
    return {n for n in dir(app_module) if not n.startswith("_")}


def functions(stack: r.Stack, available: set[str]) -> tuple[list[Function], list[str]]:
    """Every Lambda the definition implies, and the declared handlers app.py does not have yet."""
    out = [Function("APIHandler", "app.app", "api", stack.api_function)]
    missing: list[str] = []
    for q in stack.queues:
        if q.handler is None:
            continue
        if q.handler not in available:
            missing.append(q.handler)
            continue
        out.append(
            Function(cfn_id(q.handler), f"app.{q.handler}", q.handler, q.function, q.logical)
        )
    for s in stack.schedules:
        if s.handler not in available:
            missing.append(s.handler)
            continue
        out.append(
            Function(cfn_id(s.handler), f"app.{s.handler}", s.handler, s.function, schedule=s)
        )
    return out, missing


# --- the template --------------------------------------------------------------------------------


class _Builder:
    def __init__(self, stack: r.Stack, stage: str, available: set[str], swagger: Json) -> None:
        self.stack = stack
        self.stage = stage
        self.prod_like = stage != "dev"
        self.available = available
        self.swagger = swagger
        self.resources: Json = {}
        self.outputs: Json = {}

    def add(self, logical: str, type_: str, props: Json, **extra: Any) -> str:
        assert logical not in self.resources, f"duplicate logical id {logical}"
        self.resources[logical] = {"Type": type_, "Properties": props, **extra}
        return logical

    def retain(self) -> Json:
        """Data survives a stack deletion outside dev (dev must go with `make destroy`)."""
        policy_ = "Retain" if self.prod_like else "Delete"
        return {"DeletionPolicy": policy_, "UpdateReplacePolicy": policy_}

    # Logical ids of declared things.
    @staticmethod
    def bucket_id(logical: str) -> str:
        return cfn_id(logical, "bucket")

    @staticmethod
    def queue_id(logical: str) -> str:
        return cfn_id(logical, "queue")

    @staticmethod
    def dlq_id(logical: str) -> str:
        return cfn_id(logical, "dlq")

    def _queue(self, logical: str) -> r.Queue:
        return next(q for q in self.stack.queues if q.logical == logical)

    @staticmethod
    def kms_id(logical: str) -> str:
        return cfn_id(logical, "key")

    @staticmethod
    def sm_id(logical: str) -> str:
        return cfn_id(logical, "state_machine")

    def bucket_name(self, logical: str) -> Json:
        # Bucket names are global: the account id keeps two accounts' stages apart.
        return sub(f"{self.stack.bucket_name(logical)}-${{AWS::AccountId}}")

    def bucket_arn(self, logical: str) -> Json:
        return sub(
            f"arn:${{AWS::Partition}}:s3:::{self.stack.bucket_name(logical)}-${{AWS::AccountId}}"
        )

    def sub_expr(self, target: r.Ref) -> str:
        """A `Ref` as the inside of an Fn::Sub `${...}` (a logical id, with .Attribute)."""
        if target.kind == "queue":
            q = self.queue_id(target.logical)
            return {"url": q, "arn": f"{q}.Arn", "name": f"{q}.QueueName"}[target.attribute]
        if target.kind == "bucket":
            b = self.bucket_id(target.logical)
            return {"name": b, "url": b, "arn": f"{b}.Arn"}[target.attribute]
        return {"name": "Table", "url": "Table", "arn": "Table.Arn"}[target.attribute]

    # --- parts -----------------------------------------------------------------------------------

    def keys(self) -> None:
        root = sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
        admin = {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        }
        services = {
            "Sid": "ServicesEncryptForThisAccount",
            "Effect": "Allow",
            "Principal": {
                "Service": [
                    sub("logs.${AWS::Region}.amazonaws.com"),
                    "s3.amazonaws.com",
                    "sqs.amazonaws.com",
                    "sns.amazonaws.com",
                    "cloudwatch.amazonaws.com",
                    "states.amazonaws.com",
                ]
            },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:Encrypt", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")}},
        }
        self.add(
            "DataKey",
            "AWS::KMS::Key",
            {
                "Description": f"{self.stack.name}: table, buckets, queues, logs, topic",
                "EnableKeyRotation": True,
                "KeyPolicy": policy(admin, services),
            },
            **self.retain(),
        )
        # The HMAC keys of the page cursors (chalicelib.store.cursor) and of the VNeID sign-in
        # sessions (chalicelib.services.identity.sessions): generated here, passed to every
        # function as CURSOR_SIGNING_KEY / SESSION_SIGNING_KEY (dynamic references, resolved at
        # deploy), so every Lambda signs and checks with the same key. No fixed name: a deleted
        # secret keeps its name for its recovery window, which would block a re-created dev stack.
        rotation = {
            CURSOR_KEY_ID: "rotating only invalidates the page cursors in flight; by a deploy",
            SESSION_KEY_ID: "rotating only ends the VNeID sessions in use (1 h); by a deploy",
        }
        for logical, _env, what in SIGNING_SECRETS:
            self.add(
                logical,
                "AWS::SecretsManager::Secret",
                {
                    "Description": f"{self.stack.name}: HMAC key of {what}",
                    "KmsKeyId": ref("DataKey"),
                    "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
                },
                Metadata=skip(("CKV2_AWS_57", rotation[logical])),
            )
        # The definition's own keys (the local stack provisions them too), e.g. agency-keys.
        for k in self.stack.kms_keys:
            self.add(
                self.kms_id(k.logical),
                "AWS::KMS::Key",
                {
                    "Description": f"{self.stack.name}: {k.purpose}",
                    "EnableKeyRotation": k.rotation,
                    "KeyPolicy": policy(admin),
                },
                **self.retain(),
            )
            self.add(
                f"{self.kms_id(k.logical)}Alias",
                "AWS::KMS::Alias",
                {
                    "AliasName": self.stack.kms_alias(k.logical),
                    "TargetKeyId": ref(self.kms_id(k.logical)),
                },
            )
        # The definition's signing key (results), the same one infra/provision.py creates.
        sk = self.stack.signing_key
        self.add(
            SIGNING_KEY_ID,
            "AWS::KMS::Key",
            {
                "Description": f"{self.stack.name}: {sk.purpose}",
                "KeySpec": sk.key_spec,
                "KeyUsage": sk.key_usage,
                "KeyPolicy": policy(admin),
            },
            Metadata=skip(
                ("CKV_AWS_7", "asymmetric keys cannot rotate automatically; see docs/operations.md")
            ),
            **self.retain(),
        )
        for key, alias in (
            ("DataKey", f"alias/{self.stack.name}-data"),
            (SIGNING_KEY_ID, self.stack.kms_alias(sk.logical)),
        ):
            self.add(
                f"{key}Alias",
                "AWS::KMS::Alias",
                {"AliasName": alias, "TargetKeyId": ref(key)},
            )
        self.outputs["ResultSigningKeyArn"] = {"Value": arn(SIGNING_KEY_ID)}

    def table(self) -> None:
        t = self.stack.table
        key_schema = [
            {"AttributeName": t.partition_key, "KeyType": "HASH"},
            {"AttributeName": t.sort_key, "KeyType": "RANGE"},
        ]
        props: Json = {
            "TableName": self.stack.table_name(),
            "BillingMode": t.billing_mode,
            "AttributeDefinitions": [
                {"AttributeName": a, "AttributeType": "S"} for a in t.key_attributes()
            ],
            "KeySchema": key_schema,
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": ix.name,
                    "KeySchema": [
                        {"AttributeName": ix.partition_key, "KeyType": "HASH"},
                        {"AttributeName": ix.sort_key, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": ix.projection},
                }
                for ix in t.indexes
            ],
            "PointInTimeRecoverySpecification": {
                "PointInTimeRecoveryEnabled": t.point_in_time_recovery
            },
            "SSESpecification": {
                "SSEEnabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": ref("DataKey"),
            },
            "DeletionProtectionEnabled": self.prod_like,
        }
        if t.ttl_attribute:
            props["TimeToLiveSpecification"] = {"AttributeName": t.ttl_attribute, "Enabled": True}
        self.add("Table", "AWS::DynamoDB::Table", props, **self.retain())
        # The table the functions use: the stack's own, or a point-in-time restore of it that
        # `python -m infra.restore` made and pointed the stack at (parameter ActiveTableName).
        self.outputs["TableName"] = {"Value": self.active_table_name()}
        self.outputs["StackTableName"] = {"Value": ref("Table")}

    def active_table_name(self) -> Json:
        return {"Fn::If": [USES_RESTORED_TABLE, ref(ACTIVE_TABLE_PARAM), ref("Table")]}

    def active_table_arn(self) -> Json:
        restored = sub(
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/"
            "${" + ACTIVE_TABLE_PARAM + "}"
        )
        return {"Fn::If": [USES_RESTORED_TABLE, restored, arn("Table")]}

    def tls_only(self, bucket_logical_id: str, bucket_arn: Json, extra: list[Json]) -> None:
        deny = {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, {"Fn::Join": ["", [bucket_arn, "/*"]]}],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        self.add(
            f"{bucket_logical_id}Policy",
            "AWS::S3::BucketPolicy",
            {"Bucket": ref(bucket_logical_id), "PolicyDocument": policy(deny, *extra)},
        )

    def buckets(self) -> None:
        # The access-log bucket: a cloud-only companion (S3 server access logs need SSE-S3).
        self.add(
            "AccessLogBucket",
            "AWS::S3::Bucket",
            {
                "BucketName": self.bucket_name("access-logs"),
                "PublicAccessBlockConfiguration": _block_all(),
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                # CloudFront's standard logs are delivered with an ACL grant (awslogsdelivery).
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "expire-logs",
                            "Status": "Enabled",
                            "ExpirationInDays": LOG_RETENTION_DAYS,
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                        }
                    ]
                },
            },
            Metadata=skip(
                ("CKV_AWS_18", "this is the access-log bucket; logging it to itself would loop"),
            ),
            **self.retain(),
        )
        log_arn = self.bucket_arn("access-logs")
        self.tls_only(
            "AccessLogBucket",
            log_arn,
            [
                {
                    "Sid": "S3ServerAccessLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": {"Fn::Join": ["", [log_arn, "/*"]]},
                    "Condition": {"StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")}},
                }
            ],
        )
        notified = {n.bucket for n in self.stack.notifications}
        for b in self.stack.buckets:
            bid = self.bucket_id(b.logical)
            props: Json = {
                "BucketName": self.bucket_name(b.logical),
                "PublicAccessBlockConfiguration": _block_all(),
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": arn("DataKey"),
                            },
                            "BucketKeyEnabled": True,
                        }
                    ]
                },
                # Versioned everywhere in the cloud: an overwritten or deleted object is restorable.
                "VersioningConfiguration": {"Status": "Enabled"},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LoggingConfiguration": {
                    "DestinationBucketName": ref("AccessLogBucket"),
                    "LogFilePrefix": f"{b.logical}/",
                },
                "LifecycleConfiguration": {"Rules": _lifecycle(b.logical)},
            }
            if b.cors is not None:
                props["CorsConfiguration"] = {
                    "CorsRules": [
                        {
                            "AllowedOrigins": [ref("WebOrigin")],
                            "AllowedMethods": list(b.cors.allowed_methods),
                            "AllowedHeaders": list(b.cors.allowed_headers),
                            "ExposedHeaders": list(b.cors.expose_headers),
                            "MaxAge": b.cors.max_age_seconds,
                        }
                    ]
                }
            if b.logical == "results":
                props["ObjectLockEnabled"] = True
                props["ObjectLockConfiguration"] = {
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {
                        "DefaultRetention": {
                            "Mode": "GOVERNANCE",
                            "Days": ref("ResultsRetentionDays"),
                        }
                    },
                }
            extra: Json = {}
            if b.logical in notified:
                props["NotificationConfiguration"] = {
                    "QueueConfigurations": [
                        {"Event": event, "Queue": arn(self.queue_id(n.queue))}
                        for n in self.stack.notifications
                        if n.bucket == b.logical
                        for event in n.events
                    ]
                }
                extra["DependsOn"] = sorted(
                    {f"{self.queue_id(n.queue)}Policy" for n in self.stack.notifications}
                )
            self.add(bid, "AWS::S3::Bucket", props, **extra, **self.retain())
            reads = [self.cloudfront_reads(b.logical)] if b.logical == "web" else []
            self.tls_only(bid, self.bucket_arn(b.logical), reads)
            self.outputs[cfn_id(b.logical, "bucket_name")] = {"Value": ref(bid)}

    def queues(self) -> None:
        for q in self.stack.queues:
            dlq = self.add(
                self.dlq_id(q.logical),
                "AWS::SQS::Queue",
                {
                    "QueueName": self.stack.dlq_name(q.logical),
                    "MessageRetentionPeriod": q.dlq_retention_seconds,
                    "KmsMasterKeyId": ref("DataKey"),
                },
            )
            qid = self.add(
                self.queue_id(q.logical),
                "AWS::SQS::Queue",
                {
                    "QueueName": self.stack.queue_name(q.logical),
                    "VisibilityTimeout": q.visibility_timeout_seconds,
                    "MessageRetentionPeriod": q.retention_seconds,
                    "KmsMasterKeyId": ref("DataKey"),
                    "RedrivePolicy": {
                        "deadLetterTargetArn": arn(dlq),
                        "maxReceiveCount": q.max_receive_count,
                    },
                },
            )
            deny = {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": arn(qid),
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
            senders = [n.bucket for n in self.stack.notifications if n.queue == q.logical]
            allow = [
                {
                    "Sid": f"S3From{cfn_id(bucket)}",
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn(qid),
                    "Condition": {
                        "ArnEquals": {"aws:SourceArn": self.bucket_arn(bucket)},
                        "StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")},
                    },
                }
                for bucket in senders
            ]
            self.add(
                f"{qid}Policy",
                "AWS::SQS::QueuePolicy",
                {"Queues": [ref(qid)], "PolicyDocument": policy(deny, *allow)},
            )
            self.outputs[cfn_id(q.logical, "queue_url")] = {"Value": ref(qid)}
            self.outputs[cfn_id(q.logical, "dlq_url")] = {"Value": ref(dlq)}

    def state_machines(self) -> None:
        for sm in self.stack.state_machines:
            sid = self.sm_id(sm.logical)
            name = self.stack.state_machine_name(sm.logical)
            log_group = self.add(
                f"{sid}Logs",
                "AWS::Logs::LogGroup",
                {
                    "LogGroupName": f"/aws/vendedlogs/states/{name}",
                    "RetentionInDays": LOG_RETENTION_DAYS,
                    "KmsKeyId": arn("DataKey"),
                },
            )
            role = self.add(
                f"{sid}Role",
                "AWS::IAM::Role",
                {
                    "RoleName": self.stack.state_machine_role_name(sm.logical) + f"-{self.stage}",
                    "AssumeRolePolicyDocument": _trust("states.amazonaws.com"),
                    "Policies": [
                        {
                            "PolicyName": "workflow",
                            "PolicyDocument": policy(
                                statement(
                                    ["sqs:SendMessage"],
                                    [arn(self.queue_id(q)) for q in sm.sends_to_queues],
                                    "SendToQueues",
                                ),
                                statement(
                                    ["kms:GenerateDataKey", "kms:Decrypt"],
                                    [arn("DataKey")],
                                    "EncryptedQueues",
                                ),
                                statement(
                                    [
                                        "logs:CreateLogDelivery",
                                        "logs:GetLogDelivery",
                                        "logs:UpdateLogDelivery",
                                        "logs:DeleteLogDelivery",
                                        "logs:ListLogDeliveries",
                                        "logs:PutResourcePolicy",
                                        "logs:DescribeResourcePolicies",
                                        "logs:DescribeLogGroups",
                                        "xray:PutTraceSegments",
                                        "xray:PutTelemetryRecords",
                                        "xray:GetSamplingRules",
                                        "xray:GetSamplingTargets",
                                    ],
                                    ["*"],
                                    "LogDeliveryAndTracing",
                                ),
                            ),
                        }
                    ],
                },
                Metadata=skip(
                    (
                        "CKV_AWS_111",
                        "log-delivery and X-Ray APIs have no resource-level permissions",
                    ),
                ),
            )
            # The same ${Placeholder}s infra/provision.py substitutes, each rewritten to the
            # resource it names (${WorkflowQueueUrl} -> ${WorkflowQueue}) and resolved by the
            # one-string form of Fn::Sub. (The [text, values] form would do in AWS, but moto
            # runs it through string.Template, which turns ASL's "$$." context paths into "$.".)
            text = substitute(
                sm.definition_template(),
                {k: "${" + self.sub_expr(v) + "}" for k, v in sm.substitutions.items()},
            )
            self.add(
                sid,
                "AWS::StepFunctions::StateMachine",
                {
                    "StateMachineName": name,
                    "StateMachineType": sm.type,
                    "RoleArn": arn(role),
                    "DefinitionString": sub(text),
                    "LoggingConfiguration": {
                        "Level": "ERROR",
                        "IncludeExecutionData": False,  # inputs hold citizens' personal data
                        "Destinations": [
                            {"CloudWatchLogsLogGroup": {"LogGroupArn": arn(log_group)}}
                        ],
                    },
                    "TracingConfiguration": {"Enabled": True},
                },
            )
            self.outputs[cfn_id(sm.logical, "state_machine_arn")] = {"Value": ref(sid)}

    def user_pool(self) -> None:
        up = self.stack.user_pool
        pp = up.password_policy
        self.add(
            "UserPool",
            "AWS::Cognito::UserPool",
            {
                "UserPoolName": self.stack.user_pool_name(),
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": pp.minimum_length,
                        "RequireUppercase": pp.require_uppercase,
                        "RequireLowercase": pp.require_lowercase,
                        "RequireNumbers": pp.require_numbers,
                        "RequireSymbols": pp.require_symbols,
                    }
                },
                "Schema": [
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
                "UsernameConfiguration": {"CaseSensitive": False},
                "AutoVerifiedAttributes": ["email"],
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
                "UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"},
                "DeletionProtection": "ACTIVE" if self.prod_like else "INACTIVE",
            },
            **self.retain(),
        )
        self.add(
            "UserPoolClient",
            "AWS::Cognito::UserPoolClient",
            {
                "UserPoolId": ref("UserPool"),
                "ClientName": self.stack.user_pool_client_name(),
                "GenerateSecret": up.generate_secret,
                "ExplicitAuthFlows": list(up.explicit_auth_flows),
                "PreventUserExistenceErrors": "ENABLED",
                "WriteAttributes": ["email", "name", "phone_number"],
                "IdTokenValidity": up.id_token_validity_minutes,
                "AccessTokenValidity": up.id_token_validity_minutes,
                "RefreshTokenValidity": up.refresh_token_validity_days,
                "TokenValidityUnits": {
                    "IdToken": "minutes",
                    "AccessToken": "minutes",
                    "RefreshToken": "days",
                },
            },
        )
        for g in up.groups:
            self.add(
                cfn_id("group", g.name),
                "AWS::Cognito::UserPoolGroup",
                {
                    "UserPoolId": ref("UserPool"),
                    "GroupName": g.name,
                    "Description": g.description,
                    "Precedence": g.precedence,
                },
            )
        self.outputs["UserPoolId"] = {"Value": ref("UserPool")}
        self.outputs["UserPoolClientId"] = {"Value": ref("UserPoolClient")}

    def environment(self) -> Json:
        """What chalicelib.settings reads (docs/design.md "Environment"), as CFN values."""
        env: Json = {
            "STACK_NAME": self.stack.name,
            "STAGE": ref("Stage"),
            "TABLE_NAME": self.active_table_name(),
            "ATTACHMENTS_BUCKET": ref(self.bucket_id("attachments")),
            "RESULTS_BUCKET": ref(self.bucket_id("results")),
            "REPORTS_BUCKET": ref(self.bucket_id("reports")),
            "TASK_QUEUE_URL": ref(self.queue_id("workflow")),
            "UPLOAD_QUEUE_URL": ref(self.queue_id("uploads")),
            "WORKFLOW_QUEUE_NAME": self.stack.queue_name("workflow"),
            "UPLOAD_QUEUE_NAME": self.stack.queue_name("uploads"),
            "PORTAL_SYNC_QUEUE_URL": ref(self.queue_id("portal-sync")),
            "PORTAL_SYNC_QUEUE_NAME": self.stack.queue_name("portal-sync"),
            "STATE_MACHINE_ARN": ref(self.sm_id("dossier")),
            "USER_POOL_ID": ref("UserPool"),
            "USER_POOL_CLIENT_ID": ref("UserPoolClient"),
            "PUBLIC_BASE_URL": ref("PublicBaseUrl"),
            "PROVINCE_NAME": ref("ProvinceName"),
            self.stack.signing_key.env: arn(SIGNING_KEY_ID),
            "POWERTOOLS_SERVICE_NAME": "tthc",
            "FACE_COLLECTION_ID": ref("FaceCollection"),
        }
        # Dynamic references, resolved by CloudFormation at deploy (Join, not Sub: the moto
        # variant replaces the Ref by a placeholder).
        for logical, variable, _what in SIGNING_SECRETS:
            env[variable] = {
                "Fn::Join": ["", ["{{resolve:secretsmanager:", ref(logical), ":SecretString}}"]]
            }
        if any(k.logical == "agency-keys" for k in self.stack.kms_keys):
            env["AGENCY_KEYS_KMS_KEY"] = arn(self.kms_id("agency-keys"))
        if any(k.logical == "pii" for k in self.stack.kms_keys):
            env["PII_KMS_KEY"] = arn(self.kms_id("pii"))
        return env

    def grants(self, fn: Function) -> list[Json]:
        g = GRANTS.get(fn.name, DEFAULT_GRANTS)
        table_arn = self.active_table_arn()
        out: list[Json] = [
            statement(
                g["table"],
                [table_arn, {"Fn::Join": ["", [table_arn, "/index/*"]]}],
                "Table",
            ),
            statement(
                ["kms:Decrypt", "kms:GenerateDataKey"], [arn("DataKey")], "DataKeyForEncryptedData"
            ),
            statement(
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [arn(f"{fn.logical}Logs")],
                "OwnLogGroup",
            ),
        ]
        for bucket in ("attachments", "results", "reports"):
            if bucket in g:
                out.append(
                    statement(
                        g[bucket],
                        [{"Fn::Join": ["", [self.bucket_arn(bucket), "/*"]]}],
                        cfn_id(bucket, "objects"),
                    )
                )
        sm = ref(self.sm_id("dossier"))
        if "states" in g:
            out.append(statement(g["states"], [sm], "StateMachine"))
        if "executions" in g:
            execution = sub(
                "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:"
                f"{self.stack.state_machine_name('dossier')}:*"
            )
            out.append(statement(g["executions"], [execution], "Executions"))
        if "cognito" in g:
            out.append(statement(g["cognito"], [arn("UserPool")], "UserPool"))
        if "ses" in g:
            identity = sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*")
            out.append(statement(g["ses"], [identity], "SendEmail"))
        if "sms" in g:
            # SMS to a phone number has no ARN to name; topics are denied below.
            out.append(statement(g["sms"], ["*"], "SendSms"))
            deny = statement(g["sms"], [sub("arn:${AWS::Partition}:sns:*:*:*")], "NoTopics")
            deny["Effect"] = "Deny"
            out.append(deny)
        if "erase" in g:
            for bucket in ("attachments", "results"):
                actions = [a for a in g["erase"] if a != "s3:ListBucketVersions"]
                out.append(
                    statement(
                        actions,
                        [{"Fn::Join": ["", [self.bucket_arn(bucket), "/*"]]}],
                        cfn_id("erase", bucket),
                    )
                )
                out.append(
                    statement(
                        ["s3:ListBucketVersions"],
                        [self.bucket_arn(bucket)],
                        cfn_id("list", bucket, "versions"),
                    )
                )
        if "rekognition" in g:
            collection = sub(
                "arn:${AWS::Partition}:rekognition:${AWS::Region}:${AWS::AccountId}:"
                f"collection/{self.stack.name}-faces"
            )
            out.append(statement(g["rekognition"], [collection], "FaceCollection"))
        if "portal_secret" in g:
            # The national portal's client and push secrets (services.portal_sync.portal_secrets):
            # `<stack>/dvcqg` in Secrets Manager (ARNs end with a random suffix).
            secret = sub(
                "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
                f"secret:{self.stack.name}/dvcqg-*"
            )
            out.append(statement(g["portal_secret"], [secret], "PortalSecret"))
        if "push_secret" in g:
            param = sub(
                "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:"
                f"parameter{push_secret_param(self.stack.name)}"
            )
            out.append(statement(g["push_secret"], [param], "PortalPushSecret"))
        if "sign" in g:
            out.append(statement(g["sign"], [arn(SIGNING_KEY_ID)], "SignResults"))
        if "kms_keys" in g and self.stack.kms_keys:
            keys = [arn(self.kms_id(k.logical)) for k in self.stack.kms_keys]
            out.append(statement(g["kms_keys"], keys, "DefinitionKeys"))
        if "table" in g and any(k.logical == "pii" for k in self.stack.kms_keys):
            # Whoever touches the table meets encrypted personal-data fields.
            out.append(statement(PII_KEY_ACTIONS, [arn(self.kms_id("pii"))], "PiiKey"))
        if fn.queue:
            out.append(
                statement(
                    [
                        "sqs:ReceiveMessage",
                        "sqs:DeleteMessage",
                        "sqs:GetQueueAttributes",
                        "sqs:ChangeMessageVisibility",
                    ],
                    [arn(self.queue_id(fn.queue))],
                    "ConsumeOwnQueue",
                )
            )
        # Every committed dossier change sends its national-portal packet (services/portal_sync);
        # the API's redrive moves dead letters back.
        out.append(
            statement(
                ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
                [arn(self.queue_id("portal-sync"))],
                "PortalSyncSend",
            )
        )
        if fn.name == "api":
            out.append(
                statement(
                    ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl"],
                    [arn(self.dlq_id("portal-sync"))],
                    "PortalSyncRedrive",
                )
            )
        return out

    def lambdas(self, fns: list[Function]) -> None:
        shared = self.environment()
        for fn in fns:
            name = f"{self.stack.name}-{fn.name.replace('_', '-')}"
            env = dict(shared)
            if "push_secret" in GRANTS.get(fn.name, DEFAULT_GRANTS):
                # only the function that may read it is told where it is
                env["NATIONAL_PORTAL_PUSH_SECRET_PARAM"] = push_secret_param(self.stack.name)
            log_group = self.add(
                f"{fn.logical}Logs",
                "AWS::Logs::LogGroup",
                {
                    "LogGroupName": f"/aws/lambda/{name}",
                    "RetentionInDays": LOG_RETENTION_DAYS,
                    "KmsKeyId": arn("DataKey"),
                },
            )
            role = self.add(
                f"{fn.logical}Role",
                "AWS::IAM::Role",
                {
                    "AssumeRolePolicyDocument": _trust("lambda.amazonaws.com"),
                    "Policies": [
                        {"PolicyName": "data", "PolicyDocument": policy(*self.grants(fn))},
                        {
                            "PolicyName": "tracing",
                            "PolicyDocument": policy(
                                statement(
                                    ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                                    ["*"],
                                    "XRay",
                                )
                            ),
                        },
                    ],
                },
                **(
                    {
                        "Metadata": skip(
                            ("CKV_AWS_111", "SMS to a phone number has no ARN; topics are denied")
                        )
                    }
                    if "sms" in GRANTS.get(fn.name, {})
                    else {}
                ),
            )
            props: Json = {
                "FunctionName": name,
                "Runtime": RUNTIME,
                "Handler": fn.handler,
                "Code": {"S3Bucket": ref("CodeBucket"), "S3Key": ref("CodeKey")},
                "Role": arn(role),
                "MemorySize": fn.settings.memory_mb,
                "Timeout": fn.settings.timeout_seconds,
                "Environment": {"Variables": env},
                "KmsKeyArn": arn("DataKey"),
                "TracingConfig": {"Mode": "Active"},
                "LoggingConfig": {"LogGroup": ref(log_group), "LogFormat": "JSON"},
            }
            checks = [
                ("CKV_AWS_117", "reaches only AWS APIs; a VPC would add NAT cost, no isolation"),
            ]
            if fn.settings.reserved_concurrency is not None:
                props["ReservedConcurrentExecutions"] = fn.settings.reserved_concurrency
            elif fn.schedule:
                checks.append(("CKV_AWS_115", "one EventBridge rule invokes it; it cannot fan out"))
            else:
                checks.append(
                    ("CKV_AWS_115", "the API is bounded by API Gateway stage throttling instead")
                )
            if fn.queue or fn.schedule:
                checks.append(
                    (
                        "CKV_AWS_116",
                        "failures go to the queue's DLQ, or EventBridge retries them",
                    )
                )
            else:
                checks.append(("CKV_AWS_116", "synchronous API invocations have no async DLQ"))
            self.add(
                fn.logical,
                "AWS::Lambda::Function",
                props,
                Metadata=skip(*checks),
            )
            if fn.queue:
                self.add(
                    f"{fn.logical}EventSource",
                    "AWS::Lambda::EventSourceMapping",
                    {
                        "EventSourceArn": arn(self.queue_id(fn.queue)),
                        "FunctionName": ref(fn.logical),
                        # The consumers report partial failures (Powertools BatchProcessor).
                        "BatchSize": self._queue(fn.queue).batch_size,
                        "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    },
                )
            if fn.schedule:
                s = fn.schedule
                rule = self.add(
                    cfn_id(s.name, "schedule"),
                    "AWS::Events::Rule",
                    {
                        "Name": self.stack.schedule_name(s.name),
                        "ScheduleExpression": s.expression,
                        "State": "ENABLED",
                        "Description": f"{s.description} ({s.local_time})"[:512],
                        "Targets": [{"Arn": arn(fn.logical), "Id": fn.logical}],
                    },
                )
                self.add(
                    f"{fn.logical}SchedulePermission",
                    "AWS::Lambda::Permission",
                    {
                        "Action": "lambda:InvokeFunction",
                        "FunctionName": ref(fn.logical),
                        "Principal": "events.amazonaws.com",
                        "SourceArn": arn(rule),
                    },
                )

    def api(self) -> None:
        self.add(
            "RestAPI",
            "AWS::ApiGateway::RestApi",
            {
                "Name": f"{self.stack.name}-api",
                "Body": self.swagger,
                "BinaryMediaTypes": list(
                    dict.fromkeys(self.swagger.get("x-amazon-apigateway-binary-media-types", []))
                ),
                "EndpointConfiguration": {"Types": ["REGIONAL"]},
            },
        )
        self.add(
            "APIHandlerInvokePermission",
            "AWS::Lambda::Permission",
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": ref("APIHandler"),
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": sub(
                    "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                    "${RestAPI}/*"
                ),
            },
        )
        self.add(
            "ApiGatewayLogsRole",
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": _trust("apigateway.amazonaws.com"),
                "ManagedPolicyArns": [
                    sub(
                        "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                        "AmazonAPIGatewayPushToCloudWatchLogs"
                    )
                ],
            },
        )
        self.add(
            "ApiGatewayAccount",
            "AWS::ApiGateway::Account",
            {"CloudWatchRoleArn": arn("ApiGatewayLogsRole")},
        )
        self.add(
            "ApiAccessLogs",
            "AWS::Logs::LogGroup",
            {
                "LogGroupName": f"/aws/apigateway/{self.stack.name}-api",
                "RetentionInDays": LOG_RETENTION_DAYS,
                "KmsKeyId": arn("DataKey"),
            },
        )
        self.add(
            "ApiDeployment",
            "AWS::ApiGateway::Deployment",
            {"RestApiId": ref("RestAPI")},
        )
        self.add(
            "ApiStage",
            "AWS::ApiGateway::Stage",
            {
                "RestApiId": ref("RestAPI"),
                "DeploymentId": ref("ApiDeployment"),
                "StageName": API_STAGE,
                "TracingEnabled": True,
                "AccessLogSetting": {
                    "DestinationArn": arn("ApiAccessLogs"),
                    "Format": json.dumps(
                        {
                            "requestId": "$context.requestId",
                            "ip": "$context.identity.sourceIp",
                            "method": "$context.httpMethod",
                            "path": "$context.resourcePath",
                            "status": "$context.status",
                            "latency": "$context.responseLatency",
                        }
                    ),
                },
                "MethodSettings": [
                    {
                        "ResourcePath": "/*",
                        "HttpMethod": "*",
                        "LoggingLevel": "ERROR",
                        "MetricsEnabled": True,
                        "DataTraceEnabled": False,  # bodies hold personal data
                        "ThrottlingBurstLimit": ref("ApiBurstLimit"),
                        "ThrottlingRateLimit": ref("ApiRateLimit"),
                    }
                ],
            },
            DependsOn=["ApiGatewayAccount"],
            Metadata=skip(
                ("CKV_AWS_120", "answers are per-user and personal; caching would leak them"),
            ),
        )
        self.add(
            "AgencyUsagePlan",
            "AWS::ApiGateway::UsagePlan",
            {
                "UsagePlanName": f"{self.stack.name}-agency-clients",
                "Description": "Agency systems calling the API with an API key",
                "ApiStages": [{"ApiId": ref("RestAPI"), "Stage": ref("ApiStage")}],
                "Throttle": {"BurstLimit": 50, "RateLimit": 20},
                "Quota": {"Limit": 200000, "Period": "DAY"},
            },
        )
        self.outputs["ApiUrl"] = {
            "Value": sub(
                f"https://${{RestAPI}}.execute-api.${{AWS::Region}}.amazonaws.com/{API_STAGE}/"
            )
        }

    def faces(self) -> None:
        """The Rekognition collection behind lookup by face (only consenting citizens' faces)."""
        self.add(
            "FaceCollection",
            "AWS::Rekognition::Collection",
            {"CollectionId": f"{self.stack.name}-faces"},
            **self.retain(),
        )

    # --- the web, through CloudFront ---------------------------------------------------------

    def cloudfront_reads(self, logical: str) -> Json:
        """Only this stack's distribution may read the web bucket (origin access control)."""
        return {
            "Sid": "CloudFrontReadsTheWeb",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Join": ["", [self.bucket_arn(logical), "/*"]]},
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": sub(
                        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:"
                        "distribution/${WebDistribution}"
                    )
                }
            },
        }

    def web(self) -> None:
        """The static web from its private bucket (OAC, SigV4-signed reads) and `/api/*` from API
        Gateway under the same origin, so the web calls a relative `/api` as it does locally."""
        self.add(
            "WebOriginAccessControl",
            "AWS::CloudFront::OriginAccessControl",
            {
                "OriginAccessControlConfig": {
                    "Name": f"{self.stack.name}-web",
                    "Description": "CloudFront signs its reads of the web bucket",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        )
        api_domain = sub("${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}")
        no_cache = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # managed CachingDisabled
        optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # managed CachingOptimized
        all_but_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AllViewerExceptHostHeader
        security_headers = "67f7725c-6f97-4210-82d7-5512b31e9d03"  # managed SecurityHeadersPolicy

        def to_api(pattern: str) -> Json:
            return {
                "PathPattern": pattern,
                "TargetOriginId": "api",
                "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                "CachePolicyId": no_cache,  # answers are per user and personal
                "OriginRequestPolicyId": all_but_host,
                "ResponseHeadersPolicyId": security_headers,
                "Compress": True,
            }

        self.add(
            "WebDistribution",
            "AWS::CloudFront::Distribution",
            {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": f"{self.stack.name} web and API",
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_200",  # includes Asia (Việt Nam)
                    "Origins": [
                        {
                            "Id": "web",
                            "DomainName": {
                                "Fn::GetAtt": [self.bucket_id("web"), "RegionalDomainName"]
                            },
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                            "OriginAccessControlId": {
                                "Fn::GetAtt": ["WebOriginAccessControl", "Id"]
                            },
                        },
                        {
                            "Id": "api",
                            "DomainName": api_domain,
                            "OriginPath": f"/{API_STAGE}",
                            "CustomOriginConfig": {
                                "OriginProtocolPolicy": "https-only",
                                "OriginSSLProtocols": ["TLSv1.2"],
                            },
                        },
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "web",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachePolicyId": optimized,
                        "ResponseHeadersPolicyId": security_headers,
                        "Compress": True,
                    },
                    "CacheBehaviors": [to_api("/api/*"), to_api("/openapi.json")],
                    "Logging": {
                        "Bucket": {"Fn::GetAtt": ["AccessLogBucket", "DomainName"]},
                        "Prefix": "cloudfront/",
                        "IncludeCookies": False,
                    },
                    "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
                }
            },
            Metadata=skip(
                ("CKV_AWS_68", "WAF is an account-level choice (cost); API throttling applies"),
                ("CKV_AWS_174", "the default *.cloudfront.net certificate until a domain is set"),
            ),
        )
        self.outputs["WebUrl"] = {"Value": sub("https://${WebDistribution.DomainName}/")}

    def alarms(self, fns: list[Function]) -> None:
        self.add(
            "OpsTopic",
            "AWS::SNS::Topic",
            {"TopicName": f"{self.stack.name}-ops", "KmsMasterKeyId": ref("DataKey")},
        )
        self.add(
            "OpsEmail",
            "AWS::SNS::Subscription",
            {"TopicArn": ref("OpsTopic"), "Protocol": "email", "Endpoint": ref("AlertEmail")},
            Condition="HasAlertEmail",
        )
        self.outputs["OpsTopicArn"] = {"Value": ref("OpsTopic")}

        def alarm(
            logical: str,
            description: str,
            namespace: str,
            metric: str,
            dims: Mapping[str, Any],
            statistic: str = "Sum",
            threshold: float = 0,
            period: int = 300,
        ) -> None:
            self.add(
                logical,
                "AWS::CloudWatch::Alarm",
                {
                    "AlarmName": f"{self.stack.name}-{logical}",
                    "AlarmDescription": f"{description} See docs/operations.md#{logical.lower()}",
                    "Namespace": namespace,
                    "MetricName": metric,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                    "Statistic": statistic,
                    "Period": period,
                    "EvaluationPeriods": 1,
                    "Threshold": threshold,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "TreatMissingData": "notBreaching",
                    "AlarmActions": [ref("OpsTopic")],
                    "OKActions": [ref("OpsTopic")],
                },
            )

        alarm(
            "Api5xxRate",
            "More than 1% of API requests failed with 5xx over 5 minutes.",
            "AWS/ApiGateway",
            "5XXError",
            {"ApiName": f"{self.stack.name}-api", "Stage": API_STAGE},
            statistic="Average",
            threshold=0.01,
        )
        for fn in fns:
            dims = {"FunctionName": ref(fn.logical)}
            alarm(f"{fn.logical}Errors", f"{fn.name} raised errors.", "AWS/Lambda", "Errors", dims)
            alarm(
                f"{fn.logical}Throttles",
                f"{fn.name} was throttled.",
                "AWS/Lambda",
                "Throttles",
                dims,
            )
        for q in self.stack.queues:
            alarm(
                f"{self.dlq_id(q.logical)}Depth",
                f"Messages from {q.logical} are in its dead-letter queue.",
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": {"Fn::GetAtt": [self.dlq_id(q.logical), "QueueName"]}},
                statistic="Maximum",
                period=60,
            )
        for a in getattr(self.stack, "alarms", ()):
            # Custom metrics from the app (EMF); metric math like DIFF(m1) catches a jump.
            stat = {
                "Metric": {"Namespace": a.namespace, "MetricName": a.metric},
                "Period": a.period_seconds,
                "Stat": a.statistic,
            }
            metrics: list[Json] = [{"Id": "m1", "MetricStat": stat, "ReturnData": not a.expression}]
            if a.expression:
                metrics.append({"Id": "e1", "Expression": a.expression, "ReturnData": True})
            see = f"See docs/operations.md#{a.logical.lower()}"
            self.add(
                a.logical,
                "AWS::CloudWatch::Alarm",
                {
                    "AlarmName": f"{self.stack.name}-{a.logical}",
                    "AlarmDescription": f"{a.description} {see}",
                    "Metrics": metrics,
                    "EvaluationPeriods": 1,
                    "Threshold": a.threshold,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "TreatMissingData": "notBreaching",
                    "AlarmActions": [ref("OpsTopic")],
                    "OKActions": [ref("OpsTopic")],
                },
            )
        for sm in self.stack.state_machines:
            sid = self.sm_id(sm.logical)
            for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
                alarm(
                    f"{sid}{metric}",
                    f"{sm.logical} executions: {metric}.",
                    "AWS/States",
                    metric,
                    {"StateMachineArn": ref(sid)},
                )

    # --- all -------------------------------------------------------------------------------------

    def build(self) -> Json:
        fns, missing = functions(self.stack, self.available)
        self.keys()
        self.table()
        self.queues()
        self.buckets()
        self.state_machines()
        self.user_pool()
        self.lambdas(fns)
        self.faces()
        self.api()
        self.web()
        self.alarms(fns)
        return {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"TTHC dossiers, stage {self.stage} (generated by infra/template.py)",
            "Metadata": {
                "GeneratedFrom": "infra/resources.py",
                "HandlersDeclaredButNotInApp": missing,
            },
            "Parameters": _parameters(self.stage),
            "Conditions": {
                "HasAlertEmail": {"Fn::Not": [{"Fn::Equals": [ref("AlertEmail"), ""]}]},
                USES_RESTORED_TABLE: {"Fn::Not": [{"Fn::Equals": [ref(ACTIVE_TABLE_PARAM), ""]}]},
            },
            "Resources": self.resources,
            "Outputs": self.outputs,
        }


def _block_all() -> Json:
    return {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def _lifecycle(logical: str) -> list[Json]:
    rules: list[Json] = [
        {
            "Id": "abort-incomplete-uploads",
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        },
        {
            "Id": "expire-old-versions",
            "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
        },
    ]
    if logical == "attachments":
        rules.append(
            {
                "Id": "infrequent-access",
                "Status": "Enabled",
                "Transitions": [{"StorageClass": "STANDARD_IA", "TransitionInDays": 90}],
            }
        )
    return rules


def _trust(service: str) -> Json:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def _parameters(stage: str) -> Json:
    return {
        "Stage": {
            "Type": "String",
            "Default": stage,
            "AllowedValues": [stage],
            "Description": "The stage this template was rendered for (dev, staging or prod)",
        },
        "CodeBucket": {
            "Type": "String",
            "Description": "Bucket holding the `chalice package` deployment.zip (infra/deploy.py)",
        },
        "CodeKey": {"Type": "String", "Description": "Key of deployment.zip in CodeBucket"},
        "ProvinceName": {"Type": "String", "Default": "Hậu Giang"},
        "PublicBaseUrl": {
            "Type": "String",
            "Default": "https://dichvucong.example.gov.vn",
            "Description": "Where the web is served; QR links point there",
        },
        "WebOrigin": {
            "Type": "String",
            "Default": "https://dichvucong.example.gov.vn",
            "Description": "The origin allowed to POST uploads to the attachments bucket",
        },
        "AlertEmail": {
            "Type": "String",
            "Default": "",
            "Description": "Where alarms are e-mailed (empty: subscribe to OpsTopic yourself)",
        },
        "ResultsRetentionDays": {
            "Type": "Number",
            "Default": 3650,
            "MinValue": 1,
            "Description": "Default Object Lock (governance) retention of results",
        },
        "ApiRateLimit": {"Type": "Number", "Default": 200, "Description": "Requests/s per stage"},
        "ApiBurstLimit": {"Type": "Number", "Default": 400},
        ACTIVE_TABLE_PARAM: {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^$|^[a-zA-Z0-9_.-]{3,255}$",
            "Description": "Empty: the functions use the stack's table. Else the name of a "
            "point-in-time restore to use instead (set by python -m infra.restore --apply)",
        },
    }


def _chalice_swagger() -> Json:
    """API Gateway's definition of every route, from the app, by Chalice's own CFN generator."""
    from chalice.deploy.swagger import CFNSwaggerGenerator

    app_module = importlib.import_module("app")
    return dict(CFNSwaggerGenerator().generate_swagger(app_module.app))


def render(stage: str = "dev", *, stack: str | None = None) -> Json:
    """The complete template for `stage` (stack name `tthc-<stage>` unless given)."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}")
    definition = r.definition(stack or f"{r.DEFAULT_STACK}-{stage}")
    return _Builder(definition, stage, app_handlers(), _chalice_swagger()).build()


# --- the moto variant ----------------------------------------------------------------------------


def _refs(node: Any) -> set[str]:
    """Logical ids a value refers to (Ref, GetAtt, ${X} / ${X.Attr} inside Sub)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v)
            elif k == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else str(v).split(".")[0])
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                if isinstance(v, list):
                    found |= _refs(v[1])
            else:
                found |= _refs(v)
    elif isinstance(node, list):
        for v in node:
            found |= _refs(v)
    return found


def _unavailable(node: Any, removed: set[str]) -> Any:
    """`node` with every Ref/GetAtt of a removed resource replaced by a placeholder string."""
    if isinstance(node, dict):
        if _refs(node) & removed and set(node) & {"Ref", "Fn::GetAtt"}:
            return f"arn:aws:unavailable-in-moto:::{sorted(_refs(node) & removed)[0]}"
        return {k: _unavailable(v, removed) for k, v in node.items()}
    if isinstance(node, list):
        return [_unavailable(v, removed) for v in node]
    return node


def moto_variant(template: Mapping[str, Any]) -> tuple[Json, dict[str, str]]:
    """The template without the types moto cannot create (`MOTO_UNSUPPORTED`, `MOTO_FAILS`).

    moto 5.2.5 warns and skips those types, so a Ref to one would not resolve: each Ref/GetAtt of
    a removed resource becomes a placeholder string ("arn:aws:unavailable-in-moto:::<id>"), and
    DependsOn on one is dropped, so everything else is still created. Returns the template and
    {removed logical id: reason}.
    """
    t: Json = copy.deepcopy(dict(template))
    res: Json = t["Resources"]
    drop = {**MOTO_UNSUPPORTED, **MOTO_FAILS}
    removed = {k: drop[v["Type"]] for k, v in res.items() if v["Type"] in drop}
    gone = set(removed)
    for k in gone:
        del res[k]
    for v in res.values():
        v["Properties"] = _unavailable(v["Properties"], gone)
        if "DependsOn" in v:
            v["DependsOn"] = [d for d in v["DependsOn"] if d not in gone]
            if not v["DependsOn"]:
                del v["DependsOn"]
    t["Outputs"] = {k: v for k, v in t["Outputs"].items() if not (_refs(v) & gone)}
    return t, removed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--stage", default="dev", choices=STAGES)
    p.add_argument("--stack", default=None, help="stack name (default tthc-<stage>)")
    p.add_argument("--moto", action="store_true", help="render the moto variant")
    a = p.parse_args(argv)
    template = render(a.stage, stack=a.stack)
    if a.moto:
        template, removed = moto_variant(template)
        for k, why in sorted(removed.items()):
            print(f"moto variant: removed {k}: {why}", file=sys.stderr)
    json.dump(template, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
