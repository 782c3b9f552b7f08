"""Settings as a model: every Lambda reads the same environment into one validated object."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    region: str = "ap-southeast-1"
    endpoint_url: str | None = None  # local moto server or LocalStack; None on AWS
    table_name: str = "tthc"
    attachments_bucket: str = "tthc-attachments"
    results_bucket: str = "tthc-results"
    task_queue_url: str = ""
    upload_queue_url: str = ""
    state_machine_arn: str = ""
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    jwks_url: str | None = None
    public_base_url: str = "http://localhost:8000"
    province_name: str = "Hậu Giang"
    auto_confirm: bool = False  # local demo only: sign-ups need no e-mail code
    # Local demo only: the local cloud cannot e-mail Cognito's password-reset codes, so the app
    # puts them in the notification outbox, and GET /api/local/mailbox shows what was sent.
    local_mail: bool = False
    password_resets_per_window: int = Field(default=5, ge=1)  # codes asked for one username
    password_reset_window_seconds: int = Field(default=900, ge=60)
    dossier_code_format: str = "{unit}-{date:%y%m%d}-{seq:04d}"
    warn_before_working_days: int = Field(default=1, ge=0)
    repeat_overdue_seconds: int = Field(default=86400, ge=60)
    upload_url_expiry_seconds: int = Field(default=900, ge=60)
    # The applicant's own deadlines while the clock is paused (cfg; no statute fixes them).
    supplement_deadline_working_days: int = Field(default=15, ge=1)
    fee_deadline_working_days: int = Field(default=5, ge=1)
    # Reminders to citizens (chalicelib.domain.reminders): working days before the deadline's day.
    reminder_appointment_working_days: int = Field(default=1, ge=0, le=10)
    reminder_deadline_working_days: int = Field(default=2, ge=0, le=10)  # supplement and fee
    reminder_expiry_working_days: int = Field(default=20, ge=0, le=120)  # a licence's validity
    result_signing_key: str = ""  # KMS asymmetric key (ARN or id) signing electronic results
    # PAdES (chalicelib.documents.pades): the trust root(s) a signature must chain to, as a PEM
    # file (production: the NEAC root, "Root CA" of Bộ TT&TT), and the RFC 3161 timestamp service.
    signing_trust_roots: str = ""  # path to a PEM file with one or more root certificates
    tsa_url: str = ""
    signing_fetch_revocation: bool = True  # fetch CRLs/OCSP from the certificates' URLs
    # Symmetric KMS key for personal-data field encryption (envelope; chalicelib.store.pii).
    # Empty: alias/<STACK_NAME>-pii, as infra/provision.py creates it.
    pii_kms_key: str = ""
    pii_data_key_seconds: int = Field(default=300, ge=1)  # lifetime of a cached data key
    pii_data_key_uses: int = Field(default=10000, ge=1)  # items encrypted under one data key
    # Semiannual reports (Đ17): stored here, built on `report_day` of June and November (VN date).
    reports_bucket: str = "tthc-reports"
    report_day: int = Field(default=20, ge=1, le=29)
    report_sender: str = "bao-cao@haugiang.example.com"  # an SES-verified identity
    report_recipients: str = "vanphong@haugiang.example.com"  # comma-separated (province office)
    report_link_expiry_seconds: int = Field(default=3600, ge=60)
    face_collection_id: str = ""  # Rekognition collection for lookup by face; "" = unavailable
    face_match_threshold: float = Field(default=95.0, ge=50, le=100)
    face_keep_registration_image: bool = False  # keep the registration selfie (policy; default no)
    face_lookups_per_minute: int = Field(default=10, ge=1)  # per client IP
    # Personal data rights and retention (issue 10; chalicelib.domain.retention documents defaults).
    export_link_expiry_seconds: int = Field(default=900, ge=60)  # the export zip's GET link
    retention_years_json: str = ""  # {"<procedure field>": years | null, "*": 10, "~ended": 5}
    retention_lookback_months: int = Field(default=24, ge=1)  # first run: months searched back
    retention_batch: int = Field(default=200, ge=1)  # dossiers deleted per run at most
    breach_report_hours: int = Field(default=72, ge=1)  # NĐ 13/2023 Đ23: notify within 72 h
    breach_remind_before_hours: int = Field(default=24, ge=1)  # the due-soon reminder
    # Notifications (chalicelib.services.care.notifications): "ses" sends e-mail through SES (moto
    # records it locally); "log" only records each send in the table (NOTIFYLOG items).
    notify_channel: str = "ses"
    notify_sender: str = ""  # an SES-verified identity; "" = report_sender (already verified)
    notify_max_attempts: int = Field(default=5, ge=1)
    sms_sender_id: str = "HAUGIANG"
    # Online payment (VNPay 2.1.0). Secrets come from the environment, never from the repo.
    vnpay_tmn_code: str = ""
    vnpay_hash_secret: str = ""
    vnpay_url: str = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
    vnpay_simulator: bool = False  # make run: our own /sim/vnpay/pay page plays the gateway
    payment_expire_minutes: int = Field(default=15, ge=1)
    api_base_url: str = ""  # where /api is reachable from the gateway; "" = public_base_url
    # National portal (Cổng DVCQG) sync (chalicelib.services.portal.portal_sync). The URL and token
    # come from the environment; "" URL = not configured (packets fail with a clear message).
    national_portal_url: str = ""
    national_portal_token: str = Field(default="", repr=False)
    national_portal_timeout_seconds: float = Field(default=10.0, gt=0)
    national_portal_attempts: int = Field(default=3, ge=1, le=10)  # per delivery, with backoff
    # The queue: its URL, else found by name (PORTAL_SYNC_QUEUE_NAME, or <STACK_NAME>-portal-sync).
    portal_sync_queue_url: str = ""
    portal_sync_queue_name: str = ""
    portal_sync_max_receives: int = Field(default=5, ge=1)  # = the queue's maxReceiveCount
    portal_sync_sweep_after_seconds: int = Field(default=900, ge=60)  # pending this long: resend
    # Client credentials for the portal's token endpoint: the id here, the secret (and the push
    # intake's HMAC secret) in Secrets Manager or SSM: `secretsmanager:<id>` or `ssm:<name>`.
    national_portal_client_id: str = ""
    national_portal_secret_id: str = ""
    # The push intake's HMAC secret on its own: an SSM SecureString parameter name, set (and
    # readable) only where the intake route runs (the API function); without it the push secret
    # is the `push_secret` of the secret above (older deployments).
    national_portal_push_secret_param: str = ""
    # The daily reconciliation looks at dossiers synced in the last N Vietnam days.
    portal_reconcile_days: int = Field(default=7, ge=1, le=60)
    # VNeID sign-in (OpenID Connect; chalicelib.integrations.vneid,
    # chalicelib.services.identity.vneid).
    # "" issuer = not configured (the sign-in page says so). The secret comes from the environment.
    vneid_issuer: str = ""
    vneid_client_id: str = ""
    vneid_client_secret: str = Field(default="", repr=False)
    vneid_redirect_uri: str = ""  # "" = public_base_url + "/" (the SPA takes ?code&state)
    vneid_timeout_seconds: float = Field(default=5.0, gt=0)
    vneid_transaction_seconds: int = Field(default=600, ge=60)  # state/nonce/PKCE kept this long
    # Our own session after a VNeID sign-in: HS256 key from the environment (Secrets Manager in
    # the cloud); "" = VNeID sign-in refused (no session can be issued).
    session_signing_key: str = Field(default="", repr=False)
    session_seconds: int = Field(default=3600, ge=300)
    # HMAC key of the page cursors (chalicelib.store.cursor), 32 bytes at least, the same in every
    # process: the template generates it in Secrets Manager, `make run` once per run.
    cursor_signing_key: str = Field(default="", repr=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env
        mapping = {
            "region": "AWS_REGION",
            "endpoint_url": "AWS_ENDPOINT_URL",
            "table_name": "TABLE_NAME",
            "attachments_bucket": "ATTACHMENTS_BUCKET",
            "results_bucket": "RESULTS_BUCKET",
            "task_queue_url": "TASK_QUEUE_URL",
            "upload_queue_url": "UPLOAD_QUEUE_URL",
            "state_machine_arn": "STATE_MACHINE_ARN",
            "user_pool_id": "USER_POOL_ID",
            "user_pool_client_id": "USER_POOL_CLIENT_ID",
            "jwks_url": "JWKS_URL",
            "public_base_url": "PUBLIC_BASE_URL",
            "province_name": "PROVINCE_NAME",
            "auto_confirm": "AUTO_CONFIRM_SIGNUP",
            "local_mail": "LOCAL_MAIL",
            "password_resets_per_window": "PASSWORD_RESETS_PER_WINDOW",
            "password_reset_window_seconds": "PASSWORD_RESET_WINDOW_SECONDS",
            "dossier_code_format": "DOSSIER_CODE_FORMAT",
            "warn_before_working_days": "WARN_BEFORE_WORKING_DAYS",
            "repeat_overdue_seconds": "REPEAT_OVERDUE_SECONDS",
            "upload_url_expiry_seconds": "UPLOAD_URL_EXPIRY_SECONDS",
            "supplement_deadline_working_days": "SUPPLEMENT_DEADLINE_WORKING_DAYS",
            "fee_deadline_working_days": "FEE_DEADLINE_WORKING_DAYS",
            "reminder_appointment_working_days": "REMINDER_APPOINTMENT_WORKING_DAYS",
            "reminder_deadline_working_days": "REMINDER_DEADLINE_WORKING_DAYS",
            "reminder_expiry_working_days": "REMINDER_EXPIRY_WORKING_DAYS",
            "result_signing_key": "RESULT_SIGNING_KEY",
            "signing_trust_roots": "SIGNING_TRUST_ROOTS",
            "tsa_url": "TSA_URL",
            "signing_fetch_revocation": "SIGNING_FETCH_REVOCATION",
            "pii_kms_key": "PII_KMS_KEY",
            "pii_data_key_seconds": "PII_DATA_KEY_SECONDS",
            "pii_data_key_uses": "PII_DATA_KEY_USES",
            "reports_bucket": "REPORTS_BUCKET",
            "report_day": "REPORT_DAY",
            "report_sender": "REPORT_SENDER",
            "report_recipients": "REPORT_RECIPIENTS",
            "report_link_expiry_seconds": "REPORT_LINK_EXPIRY_SECONDS",
            "face_collection_id": "FACE_COLLECTION_ID",
            "face_match_threshold": "FACE_MATCH_THRESHOLD",
            "face_keep_registration_image": "FACE_KEEP_REGISTRATION_IMAGE",
            "face_lookups_per_minute": "FACE_LOOKUPS_PER_MINUTE",
            "export_link_expiry_seconds": "EXPORT_LINK_EXPIRY_SECONDS",
            "retention_years_json": "RETENTION_YEARS_JSON",
            "retention_lookback_months": "RETENTION_LOOKBACK_MONTHS",
            "retention_batch": "RETENTION_BATCH",
            "breach_report_hours": "BREACH_REPORT_HOURS",
            "breach_remind_before_hours": "BREACH_REMIND_BEFORE_HOURS",
            "notify_channel": "NOTIFY_CHANNEL",
            "notify_sender": "NOTIFY_SENDER",
            "notify_max_attempts": "NOTIFY_MAX_ATTEMPTS",
            "sms_sender_id": "SMS_SENDER_ID",
            "vnpay_tmn_code": "VNPAY_TMN_CODE",
            "vnpay_hash_secret": "VNPAY_HASH_SECRET",
            "vnpay_url": "VNPAY_URL",
            "vnpay_simulator": "VNPAY_SIMULATOR",
            "payment_expire_minutes": "PAYMENT_EXPIRE_MINUTES",
            "api_base_url": "API_BASE_URL",
            "national_portal_url": "NATIONAL_PORTAL_URL",
            "national_portal_token": "NATIONAL_PORTAL_TOKEN",
            "national_portal_timeout_seconds": "NATIONAL_PORTAL_TIMEOUT_SECONDS",
            "national_portal_attempts": "NATIONAL_PORTAL_ATTEMPTS",
            "portal_sync_queue_url": "PORTAL_SYNC_QUEUE_URL",
            "portal_sync_queue_name": "PORTAL_SYNC_QUEUE_NAME",
            "portal_sync_max_receives": "PORTAL_SYNC_MAX_RECEIVES",
            "portal_sync_sweep_after_seconds": "PORTAL_SYNC_SWEEP_AFTER_SECONDS",
            "national_portal_client_id": "NATIONAL_PORTAL_CLIENT_ID",
            "national_portal_secret_id": "NATIONAL_PORTAL_SECRET_ID",
            "national_portal_push_secret_param": "NATIONAL_PORTAL_PUSH_SECRET_PARAM",
            "portal_reconcile_days": "PORTAL_RECONCILE_DAYS",
            "vneid_issuer": "VNEID_ISSUER",
            "vneid_client_id": "VNEID_CLIENT_ID",
            "vneid_client_secret": "VNEID_CLIENT_SECRET",
            "vneid_redirect_uri": "VNEID_REDIRECT_URI",
            "vneid_timeout_seconds": "VNEID_TIMEOUT_SECONDS",
            "vneid_transaction_seconds": "VNEID_TRANSACTION_SECONDS",
            "session_signing_key": "SESSION_SIGNING_KEY",
            "session_seconds": "SESSION_SECONDS",
            "cursor_signing_key": "CURSOR_SIGNING_KEY",
        }
        values = {k: e[v] for k, v in mapping.items() if e.get(v)}
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
