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
    dossier_code_format: str = "{unit}-{date:%y%m%d}-{seq:04d}"
    warn_before_working_days: int = Field(default=1, ge=0)
    repeat_overdue_seconds: int = Field(default=86400, ge=60)
    upload_url_expiry_seconds: int = Field(default=900, ge=60)
    # The applicant's own deadlines while the clock is paused (cfg; no statute fixes them).
    supplement_deadline_working_days: int = Field(default=15, ge=1)
    fee_deadline_working_days: int = Field(default=5, ge=1)
    result_signing_key: str = ""  # KMS asymmetric key (ARN or id) signing electronic results

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
            "dossier_code_format": "DOSSIER_CODE_FORMAT",
            "warn_before_working_days": "WARN_BEFORE_WORKING_DAYS",
            "repeat_overdue_seconds": "REPEAT_OVERDUE_SECONDS",
            "upload_url_expiry_seconds": "UPLOAD_URL_EXPIRY_SECONDS",
            "supplement_deadline_working_days": "SUPPLEMENT_DEADLINE_WORKING_DAYS",
            "fee_deadline_working_days": "FEE_DEADLINE_WORKING_DAYS",
            "result_signing_key": "RESULT_SIGNING_KEY",
        }
        values = {k: e[v] for k, v in mapping.items() if e.get(v)}
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
