"""What a use case is given, as a type: `Deps` (store, files, workflow, calendar, clocks, settings,
the signing keys' holder, the national portal, the VNeID provider and the after-commit
subscribers). Every service imports this;
`services/deps.py`, the composition root, builds the process-wide instance.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.domain.dossier import Dossier, HistoryEvent
    from chalicelib.domain.signatures import Signer
    from chalicelib.integrations.national_portal import NationalPortal
    from chalicelib.integrations.vneid import IdentityProvider
    from chalicelib.settings import Settings
    from chalicelib.store.files import AttachmentFiles
    from chalicelib.store.table import DynamoStore
    from chalicelib.workflow.executions import Workflow


CALENDAR_TTL_SECONDS = 300.0


# Called after each committed change with the deps in use, the saved dossier and its events.
Subscriber = Callable[["Deps", "Dossier", "list[HistoryEvent]"], object]


def utcnow() -> datetime:
    return datetime.now(UTC)


def kms_signer() -> Signer:
    """The default key holder: KMS asymmetric keys (its client is made on first use, so building
    it costs nothing for the many requests that never sign)."""
    from chalicelib.integrations.signer import KmsSigner

    return KmsSigner()


@dataclass
class Deps:
    store: DynamoStore
    files: AttachmentFiles
    workflow: Workflow
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    # Step Functions waits in wall time; the alarm chain turns legal instants into wall delays.
    wall_clock: Callable[[], datetime] = utcnow
    # After-commit subscribers, in order (notifications, the national portal's sync): each gets
    # these deps, the saved dossier and the change's history events; each must never raise.
    after_commit: tuple[Subscriber, ...] = ()
    # The national portal (Cổng DVCQG): None = the HTTP client built from settings on use
    # (services.portal_sync.make_client); tests may put another implementation here.
    national_portal: NationalPortal | None = None
    # Who holds the signing keys (KMS by default; a USB token or remote-signing service would be
    # another `Signer`).
    signer: Signer = field(default_factory=kms_signer)
    # VNeID's OpenID Connect provider (chalicelib.integrations.vneid); None when not configured
    # (the services answer vneid_not_configured). deps.py builds it; tests give a fake.
    vneid: IdentityProvider | None = None
    _calendar: WorkingCalendar | None = field(default=None, repr=False)
    _calendar_at: float = field(default=0.0, repr=False)

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

    def committed(self, dossier: Dossier, events: list[HistoryEvent]) -> None:
        """A change was committed: tell every subscriber (the store calls this after a commit)."""
        for subscriber in self.after_commit:
            subscriber(self, dossier, events)

    def use_calendar(self, calendar: WorkingCalendar) -> None:
        """The calendar this process just saved: used at once, re-read after the TTL."""
        self._calendar, self._calendar_at = calendar, time.monotonic()
