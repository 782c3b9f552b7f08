"""The composition root: builds the process-wide `Deps` (services/container.py) with its adapters
and after-commit subscribers, and binds the store to the deps in use.

Handlers get the process-wide instance from `get_deps()`; tests build their own with `Deps(...)`.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.services.container import Deps

__all__ = ["Deps", "any_deps", "get_deps", "set_deps"]

_lock = threading.Lock()
_deps: Deps | None = None


def _install(deps: Deps | None) -> None:
    """Make `deps` the process-wide instance; its store reports each commit to these deps'
    subscribers (a copy made by `any_deps` and set here takes over the shared store)."""
    global _deps
    _deps = deps
    if deps is not None:
        deps.store.after_commit = deps.committed


def get_deps() -> Deps:
    if _deps is None:
        with _lock:
            if _deps is None:
                from chalicelib.integrations.signer import KmsSigner
                from chalicelib.integrations.vneid import VneidOidc
                from chalicelib.services.care import notifications
                from chalicelib.services.portal import portal_sync
                from chalicelib.settings import get_settings
                from chalicelib.store.files import AttachmentFiles
                from chalicelib.store.table import DynamoStore
                from chalicelib.workflow.executions import Workflow

                settings = get_settings()
                configured = bool(settings.vneid_issuer and settings.vneid_client_id)
                _install(
                    Deps(
                        store=DynamoStore(),
                        files=AttachmentFiles(),
                        workflow=Workflow(),
                        settings=settings,
                        # VNeID sign-in (OIDC), only when configured (else vneid_not_configured).
                        vneid=VneidOidc.from_settings(settings) if configured else None,
                        # The signing keys (PAdES results, issue 19) are held by KMS.
                        signer=KmsSigner(),
                        # Committed status changes become notifications (outbox items) and
                        # reach the national portal (Cổng DVCQG), in one place.
                        after_commit=(
                            notifications.on_history_events,
                            portal_sync.on_history_events,
                        ),
                    )
                )
    assert _deps is not None
    return _deps


def set_deps(deps: Deps | None) -> None:
    """Replace (or forget, with None) the process-wide dependencies: tests and the local stack."""
    _install(deps)


def any_deps(**overrides: Any) -> Deps:
    """The default dependencies with some replaced (e.g. a fixed clock)."""
    base = get_deps()
    return Deps(**{**base.__dict__, **overrides})
