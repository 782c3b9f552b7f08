"""Integration fixtures: the real app over a provisioned in-process moto account with demo data
(defined in tests/support/fixtures.py, shared with the in-process fault tests)."""

from tests.support.fixtures import api, cloud, demo_accounts

__all__ = ["api", "cloud", "demo_accounts"]
