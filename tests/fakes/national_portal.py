"""The national portal twin now lives in `infra/twins/national_portal.py` (it is part of
`make run`); the tests' imports keep working through this module."""

from infra.twins.national_portal import (
    PATH,
    SAMPLE_PDF,
    SCHEMA_PATH,
    FakeNationalPortal,
    Received,
    load_schema,
    national_catalogue,
    running_portal,
    sign,
    validation_errors,
)

__all__ = [
    "PATH",
    "SAMPLE_PDF",
    "SCHEMA_PATH",
    "FakeNationalPortal",
    "Received",
    "load_schema",
    "national_catalogue",
    "running_portal",
    "sign",
    "validation_errors",
]
