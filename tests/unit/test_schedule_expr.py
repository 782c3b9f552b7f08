"""The EventBridge schedule grammar the local event pump fires on (infra/schedule_expr.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra.schedule_expr import cron_matches, rate_seconds

pytestmark = pytest.mark.unit


def test_cron_and_rate_expressions() -> None:
    digest = "cron(0 0 ? * MON-FRI *)"
    monday = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # 07:00 Monday in Hậu Giang
    assert monday.weekday() == 0
    assert cron_matches(digest, monday)
    assert not cron_matches(digest, monday.replace(minute=1))
    assert not cron_matches(digest, datetime(2026, 11, 28, 0, 0, tzinfo=UTC))  # Saturday
    assert not cron_matches(digest, datetime(2026, 11, 29, 0, 0, tzinfo=UTC))  # Sunday
    assert cron_matches("cron(*/15 1-3 1 JAN,JUL ? 2026)", datetime(2026, 7, 1, 2, 45, tzinfo=UTC))
    assert not cron_matches("cron(*/15 1-3 1 JAN ? *)", datetime(2026, 7, 1, 2, 45, tzinfo=UTC))
    with pytest.raises(ValueError):
        cron_matches("cron(0 0 L * ? *)", monday)
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(1 day)") == 86400
    assert rate_seconds(digest) is None
