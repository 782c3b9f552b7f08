"""Everything a use case needs, injected: store, files, workflow, calendar, clock, settings.

Handlers get the process-wide instance from `get_deps()`; tests build their own with `Deps(...)`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.integrations.vneid import IdentityProvider
    from chalicelib.settings import Settings
    from chalicelib.store.files import AttachmentFiles
    from chalicelib.store.table import DynamoStore
    from chalicelib.workflow.executions import Workflow


CALENDAR_TTL_SECONDS = 300.0


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    store: DynamoStore
    files: AttachmentFiles
    workflow: Workflow
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    # Step Functions waits in wall time; the alarm chain turns legal instants into wall delays.
    wall_clock: Callable[[], datetime] = utcnow
    _calendar: WorkingCalendar | None = field(default=None, repr=False)
    _calendar_at: float = field(default=0.0, repr=False)
    _vneid: IdentityProvider | None = field(default=None, repr=False)

    @property
    def vneid(self) -> IdentityProvider:
        """VNeID's OpenID Connect provider (built from settings on first use; tests inject)."""
        if self._vneid is None:
            from chalicelib.integrations.vneid import VneidOidc

            self._vneid = VneidOidc.from_settings(self.settings)
        return self._vneid

    @property
    def calendar(self) -> WorkingCalendar:
        """The province's calendar: holidays from the package plus what the admin entered;
        re-read every CALENDAR_TTL_SECONDS so an admin's change reaches every Lambda instance."""
        stale = time.monotonic() - self._calendar_at > CALENDAR_TTL_SECONDS
        if self._calendar is None or stale:
            from chalicelib.domain.calendar import WorkingCalendar, default_calendar

            data = self.store.get_calendar()
            self._calendar = WorkingCalendar.from_dict(data) if data else default_calendar()
            self._calendar_at = time.monotonic()
        return self._calendar

    def use_calendar(self, calendar: WorkingCalendar) -> None:
        """The calendar this process just saved: used at once, re-read after the TTL."""
        self._calendar, self._calendar_at = calendar, time.monotonic()


_lock = threading.Lock()
_deps: Deps | None = None


def get_deps() -> Deps:
    global _deps
    if _deps is None:
        with _lock:
            if _deps is None:
                from chalicelib.settings import get_settings
                from chalicelib.store.files import AttachmentFiles
                from chalicelib.store.table import DynamoStore
                from chalicelib.workflow.executions import Workflow

                store = DynamoStore()
                # Committed status changes become notifications (outbox items) in one place.
                store.__dict__["on_applied"] = _notify_applied
                _deps = Deps(
                    store=store,
                    files=AttachmentFiles(),
                    workflow=Workflow(),
                    settings=get_settings(),
                )
    return _deps


def _notify_applied(dossier: Any, events: list[Any]) -> None:
    from chalicelib.services import portal_sync
    from chalicelib.services.notifications import on_history_events

    on_history_events(get_deps(), dossier, events)
    portal_sync.on_history_events(get_deps(), dossier, events)  # Cổng DVCQG; never raises


def set_deps(deps: Deps | None) -> None:
    """Replace (or forget, with None) the process-wide dependencies: tests and the local stack."""
    global _deps
    _deps = deps


def any_deps(**overrides: Any) -> Deps:
    """The default dependencies with some replaced (e.g. a fixed clock)."""
    base = get_deps()
    return Deps(**{**base.__dict__, **overrides})
