"""The signing-certificate rules (pure): a certificate's status at a moment, and which forms
leave the office signed by the agency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.certificate_status import (
    EXPIRING_DAYS,
    STATUS_VI,
    certificate_status,
    days_left,
    signs,
)
from chalicelib.domain.signatures import FIELD_NAMES, SignerRole, form_is_signed, judge

NB = datetime(2026, 1, 1, tzinfo=UTC)
NA = datetime(2028, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "revoked", "status"),
    [
        (NB - timedelta(seconds=1), None, "not_yet_valid"),
        (NB, None, "in_force"),
        (NA - timedelta(days=EXPIRING_DAYS + 1), None, "in_force"),
        (NA - timedelta(days=EXPIRING_DAYS), None, "expiring"),
        (NA, None, "expiring"),
        (NA + timedelta(seconds=1), None, "expired"),
        (NB + timedelta(days=10), NB + timedelta(days=5), "revoked"),
        (NB + timedelta(days=10), NB + timedelta(days=11), "in_force"),  # revoked later on
        (NA + timedelta(days=1), NB + timedelta(days=5), "revoked"),  # revoked wins over expired
    ],
)
def test_status_at_a_moment(now: datetime, revoked: datetime | None, status: str) -> None:
    assert certificate_status(NB, NA, revoked, now) == status
    assert STATUS_VI[status]


def test_only_a_certificate_in_force_or_expiring_signs() -> None:
    assert [s for s in STATUS_VI if signs(s)] == ["in_force", "expiring"]  # type: ignore[arg-type]


def test_days_left_counts_whole_days_and_goes_negative() -> None:
    assert days_left(NA, NA - timedelta(days=3, hours=2)) == 3
    assert days_left(NA, NA + timedelta(hours=1)) == -1


def test_forms_that_leave_the_office_are_signed_by_the_agency_alone() -> None:
    assert [n for n in ("01", "02", "03", "04", "05", "06", "07") if form_is_signed(n)] == [
        "01",
        "02",
        "03",
        "04",
        "05",
    ]
    from chalicelib.domain.signatures import SignatureCheck

    agency = SignatureCheck(
        field_name=FIELD_NAMES[SignerRole.AGENCY],
        intact=True,
        valid=True,
        covers_document=True,
        chain_trusted=True,
        timestamp_time=NB,
        timestamp_trusted=True,
    )
    assert judge([agency], "receipt").value == "valid"
    assert judge([agency], "result").value == "missing_signature"
