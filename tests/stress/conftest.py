"""The integration fixtures (`api`, `cloud`, `demo_accounts`) for the in-process fault tests."""

from tests.support.fixtures import api, cloud, demo_accounts

__all__ = ["api", "cloud", "demo_accounts"]
