"""Who acts: the shape every layer agrees on, the system actor and the staff roles (pure)."""

from __future__ import annotations

from typing import Protocol

# Roles whose members act as officials: staff screens, audit of staff reads, their full name on
# papers and pages. The one definition (the API's Caller, services and the store use it).
STAFF_ROLES: frozenset[str] = frozenset({"desk", "agency", "leader", "province", "admin"})


class Actor(Protocol):
    """Who is acting; the API's Caller, an agency's key and the system actor satisfy this."""

    @property
    def sub(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def unit(self) -> str | None: ...


class SystemActor:
    """The workflow and queue consumers act as the system."""

    sub = "system"
    username = "system"
    role = "system"
    unit: str | None = None


SYSTEM = SystemActor()


def _official(actor: Actor) -> bool:
    return actor.role in STAFF_ROLES and not actor.username.startswith("api:")


def actor_title(actor: Actor) -> str | None:
    """An official's title now (chức danh, e.g. "Phó Trưởng phòng"), from their profile (the
    API's Caller carries it); None for others and for a profile without one (the national
    portal's ChucDanh then falls back to the role)."""
    if not _official(actor):
        return None
    title = getattr(actor, "title", "")  # not part of Actor, like `name`
    if not isinstance(title, str) or not title.strip():
        return None
    return title.strip()


def actor_unit(actor: Actor) -> str | None:
    """An official's unit now (their profile's); None for a citizen, the system or a key."""
    return actor.unit if _official(actor) and actor.unit else None


def actor_name(actor: Actor) -> str | None:
    """An official's full name now, from their profile (the API's Caller carries it); None for a
    citizen (the applicant is on the dossier), the system or an agency's key, and for an official
    whose profile has no name (papers then fall back to the profile, then the username)."""
    if actor.role not in STAFF_ROLES or actor.username.startswith("api:"):
        return None
    name = getattr(actor, "name", "")  # not part of Actor: test and system actors have none
    if not isinstance(name, str) or not name.strip():
        return None
    return name.strip()
