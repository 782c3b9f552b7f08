"""THE single definition of the system's AWS resources, as plain data.

The local stack (`infra/provision.py`) and the cloud template (a later change) both read this
module, so a table index, queue or schedule is declared exactly once. Nothing here calls AWS:
physical names derive from a `stack` prefix so several stacks can share one endpoint (moto server,
LocalStack, or an account), and `environment()` turns provisioning outputs into the variables
`chalicelib.settings` reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
STATE_MACHINES_DIR = ROOT / "state_machines"
DEFAULT_STACK = "tthc"
DEFAULT_REGION = "ap-southeast-1"


# --- table ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Index:
    """A global secondary index with string keys, projecting ALL (items are small; no refetch)."""

    name: str
    partition_key: str
    sort_key: str
    projection: Literal["ALL", "KEYS_ONLY"] = "ALL"


@dataclass(frozen=True)
class Table:
    """The single table (see docs/design.md "Table"); keys and index keys are all strings."""

    logical: str
    partition_key: str = "PK"
    sort_key: str = "SK"
    indexes: tuple[Index, ...] = ()
    billing_mode: Literal["PAY_PER_REQUEST"] = "PAY_PER_REQUEST"
    ttl_attribute: str | None = "expiration"
    point_in_time_recovery: bool = True

    def key_attributes(self) -> list[str]:
        """Every attribute used in a key, each once (the attribute definitions of the table)."""
        names = [self.partition_key, self.sort_key]
        for ix in self.indexes:
            names += [ix.partition_key, ix.sort_key]
        return list(dict.fromkeys(names))


# --- buckets -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cors:
    """Browser access to a bucket (presigned POST uploads go straight from the browser to S3)."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...] = ("POST", "PUT", "GET")
    allowed_headers: tuple[str, ...] = ("*",)
    expose_headers: tuple[str, ...] = ("ETag", "Location")
    max_age_seconds: int = 3000


@dataclass(frozen=True)
class Bucket:
    """A private bucket; public reads go through presigned URLs or CloudFront, never ACLs."""

    logical: str
    purpose: str
    versioned: bool = False
    cors: Cors | None = None
    block_public_access: bool = True
    encryption: Literal["AES256", "aws:kms"] = "AES256"


# --- functions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionSettings:
    """How a handler's Lambda runs in the cloud (the local stack ignores this).

    `reserved_concurrency` caps a noisy consumer so it cannot starve the API of the account's
    concurrency (and bounds its write rate on the table); None leaves the function unreserved.
    """

    memory_mb: int = 256
    timeout_seconds: int = 30
    reserved_concurrency: int | None = None


# --- queues --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """A queue consumed by a Chalice `on_sqs_message` handler, with a dead-letter queue.

    `handler` is the name of the handler in app.py (the local event pump calls it by that name).
    Visibility is six times a 30 s Lambda timeout, as AWS recommends for SQS event sources.
    """

    logical: str
    purpose: str
    handler: str | None
    visibility_timeout_seconds: int = 180
    retention_seconds: int = 4 * 24 * 3600
    dlq_retention_seconds: int = 14 * 24 * 3600
    max_receive_count: int = 5
    function: FunctionSettings = FunctionSettings(reserved_concurrency=20)
    # Records per Lambda invocation; the handler reports partial failures (batchItemFailures),
    # so only failed messages return. Standard queues promise no order, so batching loses none.
    batch_size: int = 10


@dataclass(frozen=True)
class BucketNotification:
    """S3 events of a bucket delivered to a queue (uploads are re-checked after arrival)."""

    bucket: str
    queue: str
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)
    prefix: str = ""


# --- state machines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A reference to another resource's attribute, resolved at provisioning (or by Fn::GetAtt)."""

    kind: Literal["queue", "bucket", "table"]
    logical: str
    attribute: Literal["url", "arn", "name"]


@dataclass(frozen=True)
class StateMachine:
    """An ASL file with `${Placeholder}`s, each resolved from `substitutions` when deployed."""

    logical: str
    definition_file: str
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"
    substitutions: Mapping[str, Ref] = field(default_factory=dict)
    sends_to_queues: tuple[str, ...] = ()

    @property
    def definition_path(self) -> Path:
        return STATE_MACHINES_DIR / self.definition_file

    def definition_template(self) -> str:
        return self.definition_path.read_text(encoding="utf-8")


# --- schedules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """An EventBridge schedule calling a Chalice `@app.schedule` handler by name.

    EventBridge rule cron expressions are in UTC; `local_time` records the intended time in the
    province (Asia/Ho_Chi_Minh is UTC+7 all year, no daylight saving), so the offset is explicit.
    """

    name: str
    expression: str
    handler: str
    description: str
    local_time: str = ""
    function: FunctionSettings = FunctionSettings(memory_mb=512, timeout_seconds=300)


# --- ops alarms ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricAlarm:
    """An ops alarm on a custom metric the app emits (Powertools metrics / EMF, namespace `tthc`).

    `expression` is CloudWatch metric math over the metric as `m1` (e.g. `DIFF(m1)`: the change
    since the previous period); empty alarms on the metric itself. The cloud template emits an
    `AWS::CloudWatch::Alarm` notifying the ops topic; the local stack only logs the definitions
    (moto does not evaluate alarms). The DLQ-depth and Step Functions ExecutionsFailed alarms are
    derived per queue and per state machine by the template itself.
    """

    logical: str
    description: str
    metric: str
    namespace: str = "tthc"
    statistic: Literal["Sum", "Maximum", "Average"] = "Maximum"
    period_seconds: int = 86400
    threshold: float = 0
    expression: str = ""


# --- users ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    name: str
    description: str
    precedence: int


@dataclass(frozen=True)
class CustomAttribute:
    """Declared without the `custom:` prefix, which Cognito adds (`unit` becomes `custom:unit`)."""

    name: str
    max_length: int = 64
    mutable: bool = True


@dataclass(frozen=True)
class PasswordPolicy:
    minimum_length: int = 8
    require_lowercase: bool = True
    require_numbers: bool = True
    require_uppercase: bool = False
    require_symbols: bool = False


@dataclass(frozen=True)
class UserPool:
    """People sign in with username and password (USER_PASSWORD_AUTH, proxied by the API)."""

    logical: str
    client: str
    groups: tuple[Group, ...]
    custom_attributes: tuple[CustomAttribute, ...]
    explicit_auth_flows: tuple[str, ...] = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    generate_secret: bool = False  # a browser/public client cannot keep a secret
    password_policy: PasswordPolicy = PasswordPolicy()
    id_token_validity_minutes: int = 60
    refresh_token_validity_days: int = 30


# --- encryption keys -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KmsKey:
    """A symmetric customer-managed KMS key, reached by its alias `alias/<stack>-<logical>`."""

    logical: str
    purpose: str
    rotation: bool = True


@dataclass(frozen=True)
class SigningKey:
    """An asymmetric customer-managed KMS key that signs (never encrypts), by alias
    `alias/<stack>-<logical>`. Asymmetric keys cannot rotate automatically: a new key is made by
    hand and the old one kept (disabled for signing) so earlier results still verify.

    `env` is the variable that carries the key's ARN to the app (`chalicelib.settings`).
    """

    logical: str
    purpose: str
    key_spec: Literal["ECC_NIST_P256", "ECC_NIST_P384", "RSA_2048", "RSA_3072"] = "ECC_NIST_P256"
    key_usage: Literal["SIGN_VERIFY"] = "SIGN_VERIFY"
    signing_algorithm: str = "ECDSA_SHA_256"
    env: str = "RESULT_SIGNING_KEY"


# --- the stack -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stack:
    """Every resource of one deployment; physical names are `<stack>-<logical>`."""

    name: str
    table: Table
    buckets: tuple[Bucket, ...]
    queues: tuple[Queue, ...]
    notifications: tuple[BucketNotification, ...]
    state_machines: tuple[StateMachine, ...]
    schedules: tuple[Schedule, ...]
    user_pool: UserPool
    # Custom-metric ops alarms (the overdue jump); see MetricAlarm.
    alarms: tuple[MetricAlarm, ...] = ()
    # The API Lambda: API Gateway gives up after 29 s, so the function never needs longer.
    api_function: FunctionSettings = FunctionSettings(memory_mb=512, timeout_seconds=29)
    # Agencies' API secrets are encrypted with this key (chalicelib.services.admin.agency_keys).
    kms_keys: tuple[KmsKey, ...] = (
        KmsKey("agency-keys", "agencies' API key secrets"),
        # Envelope encryption of personal-data fields and the search-hash secret (store/pii.py).
        KmsKey("pii", "personal data fields (ID numbers, dates of birth, phones)"),
    )
    # Signs the electronic results (chalicelib.services.dossier.results); its ARN is in
    # `Outputs.kms_keys`.
    signing_key: SigningKey = SigningKey("sign", "signs electronic results (ECDSA P-256)")

    # Physical names. The table keeps the bare stack name: settings default to TABLE_NAME=tthc.
    def table_name(self) -> str:
        return self.name

    def bucket_name(self, logical: str) -> str:
        return f"{self.name}-{logical}"

    def queue_name(self, logical: str) -> str:
        return f"{self.name}-{logical}"

    def dlq_name(self, logical: str) -> str:
        return f"{self.name}-{logical}-dlq"

    def state_machine_name(self, logical: str) -> str:
        return f"{self.name}-{logical}"

    def state_machine_role_name(self, logical: str) -> str:
        return f"{self.name}-{logical}-sfn"

    def schedule_name(self, name: str) -> str:
        return f"{self.name}-{name}"

    def user_pool_name(self) -> str:
        return f"{self.name}-{self.user_pool.logical}"

    def user_pool_client_name(self) -> str:
        return f"{self.name}-{self.user_pool.client}"

    def kms_alias(self, logical: str) -> str:
        return f"alias/{self.name}-{logical}"

    def queue(self, logical: str) -> Queue:
        return next(q for q in self.queues if q.logical == logical)

    def bucket(self, logical: str) -> Bucket:
        return next(b for b in self.buckets if b.logical == logical)

    def state_machine(self, logical: str) -> StateMachine:
        return next(m for m in self.state_machines if m.logical == logical)


def push_secret_param(stack_name: str) -> str:
    """`/<stack>/dvcqg/push-secret`: the SSM SecureString holding the national portal's push
    (HMAC) secret, made by ops and by the local stack (CloudFormation cannot create one;
    docs/operations.md)."""
    return f"/{stack_name}/dvcqg/push-secret"


def definition(stack: str = DEFAULT_STACK, *, web_origins: Sequence[str] = ("*",)) -> Stack:
    """The system's resources for the stack `stack`.

    `web_origins` are the origins allowed to POST uploads to the attachments and results buckets
    (the web's own origin in production; "*" is acceptable locally because uploads need a
    presigned policy anyway).
    """
    gsis = tuple(Index(f"GSI{n}", f"GSI{n}PK", f"GSI{n}SK") for n in range(1, 6))
    return Stack(
        name=stack,
        table=Table(logical="main", indexes=gsis),
        buckets=(
            Bucket(
                "attachments",
                "citizens' uploaded documents, under the dossier's prefix",
                cors=Cors(allowed_origins=tuple(web_origins)),
            ),
            Bucket(
                "results",
                "signed electronic results (the agency's own PDF is posted from the console)",
                versioned=True,
                cors=Cors(allowed_origins=tuple(web_origins)),
            ),
            Bucket("web", "the static web site (served through CloudFront in the cloud)"),
            Bucket("reports", "semiannual reports (XLSX + PDF) under reports/<period>/<id>/"),
        ),
        queues=(
            Queue(
                "workflow",
                "agency-task tokens, alarms and dossier_processed from the state machine",
                handler="on_workflow_message",
            ),
            Queue(
                "uploads",
                "S3 ObjectCreated notifications of the attachments bucket",
                handler="on_upload_event",
            ),
            Queue("notifications", "outgoing e-mail/SMS notifications", handler="on_notification"),
            Queue(
                "portal-sync",
                "national portal (Cổng DVCQG) sync packets, one per committed dossier change",
                handler="on_portal_sync",
                # A delivery retries inside the call (3 attempts, 10 s timeout each), so a batch
                # may take minutes; visibility is six times the function's timeout. Five receives
                # (about an hour of portal outage) before the DLQ; 5 senders at most.
                visibility_timeout_seconds=6 * 150,
                max_receive_count=5,
                function=FunctionSettings(timeout_seconds=150, reserved_concurrency=5),
            ),
        ),
        notifications=(BucketNotification(bucket="attachments", queue="uploads"),),
        state_machines=(
            StateMachine(
                "dossier",
                "dossier.asl.json",
                substitutions={"WorkflowQueueUrl": Ref("queue", "workflow", "url")},
                sends_to_queues=("workflow",),
            ),
        ),
        schedules=(
            Schedule(
                "daily-digest",
                # 07:00 Asia/Ho_Chi_Minh (UTC+7) = 00:00 UTC, Monday to Friday.
                "cron(0 0 ? * MON-FRI *)",
                handler="on_daily_digest",
                description="Overdue and due-soon digest for every agency, working-day mornings",
                local_time="07:00 Asia/Ho_Chi_Minh (UTC+7) on weekdays",
            ),
            Schedule(
                "reminders",
                # 08:30 Asia/Ho_Chi_Minh (UTC+7) = 01:30 UTC, every day: the rule decides which
                # reminders are due (working days), and a missed day is caught up the next.
                "cron(30 1 * * ? *)",
                handler="on_reminders",
                description="Citizen reminders before an appointment, a supplement or fee deadline",
                local_time="08:30 Asia/Ho_Chi_Minh (UTC+7) daily",
            ),
            Schedule(
                "semiannual-report",
                # 08:00 Asia/Ho_Chi_Minh (UTC+7) = 01:00 UTC, every day of June and November. The
                # handler builds and e-mails the report only on the REPORT_DAY setting's date
                # (default the 20th, before the 30/6 and 30/11 deadlines of Đ17), so the date is a
                # setting, not a redeploy.
                "cron(0 1 * 6,11 ? *)",
                handler="on_semiannual_report",
                description="Semiannual report (Đ17) on the REPORT_DAY of June and November",
                local_time="08:00 Asia/Ho_Chi_Minh (UTC+7), acts on REPORT_DAY (default 20th)",
            ),
            Schedule(
                "feedback-deadlines",
                # 07:15-17:15 Asia/Ho_Chi_Minh (UTC+7) = 00:15-10:15 UTC, hourly, Monday-Saturday.
                "cron(15 0-10 ? * MON-SAT *)",
                handler="on_feedback_deadlines",
                description="Feedback (PAKN) due-soon and overdue alerts during working hours",
                local_time="hourly 07:15-17:15 Asia/Ho_Chi_Minh (UTC+7), Monday to Saturday",
            ),
            Schedule(
                "notifications",
                "rate(1 minute)",
                handler="on_notifications",
                description="Drain the notification outbox (e-mail; SMS with consent)",
                local_time="every minute",
            ),
            Schedule(
                "portal-sync-sweep",
                "rate(5 minutes)",
                handler="on_portal_sync_sweep",
                description="Re-send national portal sync packets still pending (SQS was down)",
                local_time="every 5 minutes",
            ),
            Schedule(
                "portal-intake-pull",
                "rate(5 minutes)",
                handler="on_portal_intake_pull",
                description="Pull dossiers submitted on the national portal (pull mode)",
                local_time="every 5 minutes",
            ),
            Schedule(
                "portal-reconcile",
                # 01:30 Asia/Ho_Chi_Minh (UTC+7) = 18:30 UTC the day before.
                "cron(30 18 * * ? *)",
                handler="on_portal_reconcile",
                description="Daily reconciliation with the national portal (TraCuuHoSo)",
                local_time="01:30 Asia/Ho_Chi_Minh (UTC+7) nightly",
            ),
            Schedule(
                "portal-catalogue",
                # 03:00 Asia/Ho_Chi_Minh (UTC+7) = 20:00 UTC the day before.
                "cron(0 20 * * ? *)",
                handler="on_portal_catalogue",
                description="Import the national procedure database as pending changes",
                local_time="03:00 Asia/Ho_Chi_Minh (UTC+7) nightly",
            ),
            Schedule(
                "retention",
                # 02:00 Asia/Ho_Chi_Minh (UTC+7) = 19:00 UTC the day before.
                "cron(0 19 * * ? *)",
                handler="on_retention",
                description="Delete dossiers past retention (tombstones, audited)",
                local_time="02:00 Asia/Ho_Chi_Minh (UTC+7) nightly",
            ),
            Schedule(
                "breach-deadlines",
                "cron(5 * * * ? *)",
                handler="on_breach_deadlines",
                description="Personal-data breach report reminders (due soon, overdue)",
                local_time="hourly at :05, every day (the 72 h deadline runs on weekends too)",
            ),
        ),
        alarms=(
            MetricAlarm(
                "OverdueJump",
                "Open overdue dossiers and steps (the daily digest's OverdueItems metric) rose by "
                "more than 20 since the previous digest.",
                metric="OverdueItems",
                expression="DIFF(m1)",
                threshold=20,
            ),
        ),
        user_pool=UserPool(
            logical="users",
            client="web",
            groups=(
                Group("admin", "Province administrators", 1),
                Group("agency", "Agency staff processing dossier steps", 2),
                Group("desk", "One-stop desk staff", 3),
                Group("citizen", "Citizens and businesses", 4),
                Group("leader", "Agency leaders approving extensions and stops", 2),
                Group("province", "Province office publishing procedures", 2),
            ),
            custom_attributes=(CustomAttribute("unit"), CustomAttribute("role")),
        ),
    )


# --- outputs -------------------------------------------------------------------------------------


@dataclass
class QueueOutputs:
    name: str
    url: str
    arn: str
    dlq_name: str
    dlq_url: str
    dlq_arn: str


@dataclass
class Outputs:
    """What provisioning created: enough to configure the app and to reach every resource."""

    stack: str
    region: str
    account_id: str
    endpoint_url: str | None
    table_name: str
    table_arn: str
    buckets: dict[str, str]
    queues: dict[str, QueueOutputs]
    state_machines: dict[str, str]
    schedules: dict[str, str]
    user_pool_id: str
    user_pool_arn: str
    user_pool_client_id: str
    jwks_url: str | None
    kms_keys: dict[str, str] = field(default_factory=dict)  # logical -> key ARN (signing too)

    @property
    def attachments_bucket(self) -> str:
        return self.buckets["attachments"]

    @property
    def results_bucket(self) -> str:
        return self.buckets["results"]

    @property
    def web_bucket(self) -> str:
        return self.buckets["web"]

    @property
    def reports_bucket(self) -> str:
        return self.buckets.get("reports", "")

    @property
    def workflow_queue_url(self) -> str:
        return self.queues["workflow"].url

    @property
    def uploads_queue_url(self) -> str:
        return self.queues["uploads"].url

    @property
    def notifications_queue_url(self) -> str:
        return self.queues["notifications"].url

    @property
    def state_machine_arn(self) -> str:
        return self.state_machines["dossier"]

    def resolve(self, ref: Ref) -> str:
        """The value of a `Ref` (used to substitute ASL placeholders)."""
        if ref.kind == "queue":
            q = self.queues[ref.logical]
            return {"url": q.url, "arn": q.arn, "name": q.name}[ref.attribute]
        if ref.kind == "bucket":
            name = self.buckets[ref.logical]
            return {"name": name, "arn": f"arn:aws:s3:::{name}", "url": name}[ref.attribute]
        return {"name": self.table_name, "arn": self.table_arn, "url": self.table_name}[
            ref.attribute
        ]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Outputs:
        d = dict(data)
        d["queues"] = {k: QueueOutputs(**v) for k, v in d["queues"].items()}
        return cls(**d)


def jwks_url(endpoint_url: str | None, region: str, user_pool_id: str) -> str:
    """Where the pool's signing keys are: the moto/LocalStack endpoint, or Cognito's issuer."""
    if endpoint_url:
        return f"{endpoint_url.rstrip('/')}/{user_pool_id}/.well-known/jwks.json"
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}/.well-known/jwks.json"


def environment(outputs: Outputs, *, public_base_url: str | None = None) -> dict[str, str]:
    """The environment variables `chalicelib.settings` reads (docs/design.md "Environment").

    JWKS_URL and AWS_ENDPOINT_URL are set only for a local endpoint: in AWS the app derives the
    JWKS URL from the pool's issuer and boto3 uses the real endpoints.
    """
    env = {
        "TABLE_NAME": outputs.table_name,
        "ATTACHMENTS_BUCKET": outputs.attachments_bucket,
        "RESULTS_BUCKET": outputs.results_bucket,
        "REPORTS_BUCKET": outputs.reports_bucket,
        "TASK_QUEUE_URL": outputs.workflow_queue_url,
        "UPLOAD_QUEUE_URL": outputs.uploads_queue_url,
        "STATE_MACHINE_ARN": outputs.state_machine_arn,
        "USER_POOL_ID": outputs.user_pool_id,
        "USER_POOL_CLIENT_ID": outputs.user_pool_client_id,
        "AWS_REGION": outputs.region,
    }
    if "portal-sync" in outputs.queues:
        env["PORTAL_SYNC_QUEUE_URL"] = outputs.queues["portal-sync"].url
    if "agency-keys" in outputs.kms_keys:
        env["AGENCY_KEYS_KMS_KEY"] = outputs.kms_keys["agency-keys"]
    if "pii" in outputs.kms_keys:
        env["PII_KMS_KEY"] = outputs.kms_keys["pii"]
    signing = definition(outputs.stack).signing_key
    if signing.logical in outputs.kms_keys:
        env[signing.env] = outputs.kms_keys[signing.logical]
    if outputs.endpoint_url:
        env["AWS_ENDPOINT_URL"] = outputs.endpoint_url
        env["JWKS_URL"] = outputs.jwks_url or jwks_url(
            outputs.endpoint_url, outputs.region, outputs.user_pool_id
        )
    if public_base_url:
        env["PUBLIC_BASE_URL"] = public_base_url
    return env
