"""Who may do what: one table of every action, with the roles allowed and the scope each needs.

Modelled on Open Zaak's `scopes.py` / `required_scopes`: an action is a name (`care.faq.manage`),
declared once here with the roles that may take it and the relation the actor must have to the
record (`Scope`). Routes declare their action (chalicelib/api/routing.py) and only authenticate
and check the role, before the body is parsed; services call `require` (or `permits`) once per
action with the record's relations, so the same rule holds for every entry point (HTTP, the
agencies' signed API, the workflow).

Pure: no chalice, no boto3, no services. The authorization matrix (tests/security) is generated
from this table for every route that declares an action.

Rules that are decisions, not accidents:
- an administrator is never implied: a permission lists `admin` when an administrator may act;
- `everywhere` lists the roles the scope does not restrict (the province office and the
  administrator read every unit's records where the table says so);
- a scope failure on a record whose existence must not be disclosed is answered by the service as
  its own 404 (`require(..., otherwise=NotFound(...))`), elsewhere as 403 `forbidden_unit`;
- accept (`dossier.desk.accept`): the desk of the receiving unit only. The route admitted desk
  only while the service admitted desk and admin; the route's rule was the one in force (an
  administrator got 403) and is kept, see docs/design.md ("Permissions").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.errors import DomainError, Forbidden


class Scope(StrEnum):
    """The relation an actor needs to the record an action touches."""

    ANY = "any"  # the role is enough (lists, creating one's own, public reads)
    OWNER = "owner"  # the record is the actor's own (a citizen's dossier, feedback, face)
    SAME_UNIT = "same_unit"  # the record belongs to or involves the actor's unit
    LEAD_AGENCY = "lead_agency"  # the actor's unit leads the record (the procedure's agency)
    OWNER_OR_UNIT = "owner_or_unit"  # the owner, or staff of a unit the record involves
    # a dossier's own visibility rule (services.dossiers.visible_to: the citizen owner, the desk
    # of the receiving unit, the agencies with a step, never an unsubmitted online draft); the
    # dossier loader decides it and passes `Related.seen()`
    DOSSIER = "dossier"
    # the record's owner, or one of the parties of the dossier's representation (the
    # representative, the represented person or organisation: domain.access.followed_by, with the
    # identity VNeID vouched for); the loader decides it and passes `Related.party_of(...)`
    PARTY = "party"


class Auth(StrEnum):
    """What credentials the route reads before the action is checked."""

    NONE = "none"  # public: credentials are not read at all
    OPTIONAL = "optional"  # a valid bearer token if one is sent (an invalid one is 401)
    BEARER = "bearer"  # a person's Cognito id token
    SIGV4 = "sigv4"  # an agency's system, signed with its API key
    PORTAL = "portal"  # the national portal (Cổng DVCQG) pushing a dossier, HMAC-signed


class ActorLike(Protocol):
    """Anything acting: the API's Caller, the system, an agency's key."""

    @property
    def sub(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def unit(self) -> str | None: ...


@dataclass(frozen=True)
class Related:
    """What the scope is checked against: the record's owner and the units it involves."""

    owner: str | None = None
    units: frozenset[str] = frozenset()  # every unit the record involves (desk, steps' agencies)
    lead_agency: str | None = None
    visible: bool = False  # Scope.DOSSIER: the dossier loader found it visible to the actor
    party: bool = False  # Scope.PARTY: the actor is one of the record's parties (not its owner)

    @classmethod
    def of(
        cls, owner: str | None = None, units: Iterable[str | None] = (), lead: str | None = None
    ) -> Related:
        return cls(owner, frozenset(u for u in units if u), lead)

    @classmethod
    def party_of(cls, owner: str | None, is_party: bool) -> Related:
        """A dossier's owner and whether the actor is one of its representation's parties."""
        return cls(owner=owner, party=is_party)

    @classmethod
    def seen(cls) -> Related:
        """A dossier the loader (`load_for`) already found visible to the actor."""
        return cls(visible=True)


@dataclass(frozen=True)
class Permission:
    roles: frozenset[str]
    scope: Scope = Scope.ANY
    everywhere: frozenset[str] = field(default_factory=frozenset)
    auth: Auth = Auth.BEARER
    note: str = ""

    @property
    def public(self) -> bool:
        return self.auth in (Auth.NONE, Auth.OPTIONAL)


def _roles(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


def allow(
    roles: str,
    scope: Scope = Scope.ANY,
    *,
    everywhere: str = "",
    auth: Auth = Auth.BEARER,
    note: str = "",
) -> Permission:
    """`allow("desk admin", Scope.SAME_UNIT, everywhere="admin")`: roles as words."""
    return Permission(_roles(roles), scope, _roles(everywhere), auth, note)


ANYONE = "anon citizen desk agency leader province admin"


def public(note: str = "") -> Permission:
    """No credentials read: anyone, signed in or not."""
    return allow(ANYONE, auth=Auth.NONE, note=note)


SIGNED_IN = "citizen desk agency leader province admin"

# Systems that act through their own credentials, never a person's token: the national portal
# (Auth.PORTAL; an agency's key acts as its agency, role `agency`).
SYSTEMS = "portal"

# ---- the table ----------------------------------------------------------------------------------
# One section per feature; each route's `action=` names one key. Keep a section's keys together.
_PUBLIC: dict[str, Permission] = {
    "public.config.read": public("the web page's configuration"),
    "public.openapi.read": public("the API contract"),
    "public.procedure.search": public(),
    "public.procedure.read": public(),
    "public.unit.list": public(),
    "public.lookup.read": public("masked; the receipt's QR token adds the timeline"),
    "public.lookup.qr": public(),
}

# The one-stop desk's dossier actions. Accept: the route admitted desk only, the service desk and
# admin; the route's rule was in force and is kept (docs/design.md, "Permissions").
_DOSSIER_DESK: dict[str, Permission] = {
    "dossier.desk.accept": allow("desk", Scope.SAME_UNIT, note="the receiving unit's desk only"),
}

# ---- routes_people, routes_lifecycle, routes_results, routes_payments (the dossier's path) ----
_SIGN_IN: dict[str, Permission] = {
    "auth.account.signin": public("how a person gets a token"),
    "auth.account.signup": public("a citizen's own account"),
    "auth.password.forgot": public("the same answer for an unknown account"),
    "auth.password.confirm": public("an unknown account is a wrong code"),
    "auth.local.mailbox": public("the local stack's mailbox: 404 unless LOCAL_MAIL"),
    "auth.me.read": allow(SIGNED_IN, note="the signed-in person and their profile"),
}

_DOSSIER_CITIZEN: dict[str, Permission] = {
    "dossier.my.create": allow("citizen"),
    "dossier.my.list": allow("citizen", note="the index is the owner's: nothing else is listed"),
    "dossier.my.read": allow("citizen", Scope.OWNER, note="another's dossier is 404"),
    "dossier.my.edit": allow("citizen", Scope.OWNER, note="drafts, papers, submit, reuse"),
    "dossier.my.withdraw": allow("citizen", Scope.OWNER),
    "dossier.my.documents": allow("citizen"),
    "dossier.party.list": allow(
        "citizen", note="dossiers the caller filed or is a party of (representative, represented)"
    ),
    "dossier.party.read": allow(
        "citizen", Scope.PARTY, note="follow, never change: another's dossier is 404"
    ),
    "payment.my.pay": allow("citizen", Scope.OWNER, note="online fee payment of one's dossier"),
    "payment.my.read": allow("citizen", Scope.OWNER),
}

_DOSSIER_DESK_MORE: dict[str, Permission] = {
    "dossier.desk.inbox": allow("desk", note="the desk's own unit"),
    "dossier.desk.create": allow("desk", note="a walk-in's paper dossier"),
    "dossier.desk.read": allow("desk admin", Scope.SAME_UNIT, everywhere="admin"),
    "dossier.desk.edit": allow("desk", Scope.SAME_UNIT, note="a paper draft before receipt"),
    "dossier.desk.handle": allow(
        "desk", Scope.SAME_UNIT, note="refuse, supplement, return, withdraw, fees"
    ),
    "dossier.staff.read": allow(
        "desk agency leader province admin",
        Scope.SAME_UNIT,
        everywhere="province admin",
        note="by receipt code, papers, forms 02-06: the desk or agencies on the dossier",
    ),
    "dossier.staff.register": allow(
        "desk agency leader admin",
        Scope.SAME_UNIT,
        everywhere="admin",
        note="form 07 of one's own unit; the province office was admitted by the route and always "
        "refused by the service (403): now refused by the role, 403 forbidden_role",
    ),
    "dossier.staff.exemption": allow("desk agency leader", Scope.SAME_UNIT),
    "dossier.admin.exemption": allow("admin", note="decides a lateness exemption"),
}

_DOSSIER_AGENCY: dict[str, Permission] = {
    "dossier.agency.tasks": allow("agency leader admin", note="the caller's unit's tasks"),
    "dossier.agency.read": allow("agency leader admin", Scope.SAME_UNIT, everywhere="admin"),
    "dossier.agency.complete": allow("agency leader admin", Scope.SAME_UNIT, everywhere="admin"),
    "dossier.agency.extension": allow("agency leader", Scope.SAME_UNIT),
    "dossier.leader.pending": allow("leader admin"),
    "dossier.leader.decide": allow(
        "leader admin", Scope.LEAD_AGENCY, everywhere="admin", note="extension and stop"
    ),
    "result.public.verify": public("a signed result's check, and a copy compared"),
    "result.agency.download": allow("agency admin", Scope.SAME_UNIT, everywhere="admin"),
    "result.agency.attach": allow(
        "agency admin", Scope.LEAD_AGENCY, everywhere="admin", note="the lead agency's own result"
    ),
    "payment.vnpay.callback": public("the gateway's return and IPN: checked by their signature"),
    "payment.vnpay.simulator": public("the local gateway simulator: 404 unless enabled"),
}

# ---- routes_admin, routes_procedures_admin, routes_reports, routes_ops, routes_portal_sync ----
_ADMIN: dict[str, Permission] = {
    "admin.unit.manage": allow("admin"),
    "admin.staff.manage": allow("admin"),
    "admin.calendar.manage": allow("admin"),
    "admin.maintenance.manage": allow("admin", note="announces planned downtime (NĐ 224 Đ13)"),
    "admin.procedure.read": allow("admin province"),
    "admin.procedure.propose": allow("admin", note="files a change for the lead agency"),
    "admin.agency_key.manage": allow("admin"),
    "admin.certificate.manage": allow(
        "admin", note="signing certificates (PAdES): list, register, revoke"
    ),
    "ops.workflow.restart": allow("admin"),
    "ops.portal_sync.read": allow("admin province", note="the province office reads only"),
    "ops.portal_sync.redrive": allow("admin"),
}

_PROCEDURES: dict[str, Permission] = {
    "procedure.change.propose": allow("agency leader", note="for the caller's own agency"),
    "procedure.change.review": allow("province admin", note="list, publish, reject"),
    "procedure.version.read": public(),
}

_REPORTS: dict[str, Permission] = {
    "report.periodic.manage": allow(
        "leader province admin",
        Scope.SAME_UNIT,
        everywhere="province admin",
        note="a leader their own agency's reports only",
    ),
    "report.dashboard.read": allow(
        "agency leader province admin",
        Scope.SAME_UNIT,
        everywhere="province admin",
        note="dashboard, drill-down and alerts: the agency's own",
    ),
    "report.transparency.read": public("numbers only"),
}

# ---- routes_agency_api: agencies' systems, signed with their key ------------------------------
_AGENCY_API: dict[str, Permission] = {
    "agency_api.key.whoami": allow("agency", auth=Auth.SIGV4),
    "agency_api.task.list": allow("agency", auth=Auth.SIGV4),
    "agency_api.dossier.read": allow("agency", Scope.SAME_UNIT, auth=Auth.SIGV4),
    "agency_api.step.complete": allow("agency", Scope.SAME_UNIT, auth=Auth.SIGV4),
    "agency_api.result.attach": allow("agency", Scope.LEAD_AGENCY, auth=Auth.SIGV4),
}

# FAQ (Đ10.4), support requests (Đ15.8), satisfaction ratings, lookup by face (Đ8.1c).
_CARE: dict[str, Permission] = {
    "care.faq.read": public("published questions only"),
    "public.maintenance.read": public("the planned-downtime banner on every page"),
    "care.faq.manage": allow("province admin", note="the province office drafts, publishes"),
    "care.support.raise": allow("desk agency leader"),
    "care.support.list": allow(
        "desk agency leader admin", note="staff: their unit's; IT: the queue"
    ),
    "care.support.read": allow(
        "desk agency leader admin", Scope.OWNER_OR_UNIT, everywhere="admin", note="else 404"
    ),
    "care.support.screenshot": allow("desk agency leader", Scope.OWNER, note="only who raised it"),
    "care.support.finalize": allow("desk agency leader", Scope.OWNER_OR_UNIT),
    "care.support.dossier": allow("desk agency leader admin", Scope.DOSSIER, everywhere="admin"),
    "care.support.handle": allow("admin", note="IT: triage, answer, close"),
    "care.rating.own": allow("citizen", Scope.DOSSIER, note="the applicant, once, after return"),
    "care.rating.link": public("the receipt's link: the QR token decides"),
    "care.rating.notifications": allow("leader admin", note="their agency's dissatisfied ones"),
    "care.face.lookup": public("rate-limited per address"),
    "care.face.own": allow("citizen", note="the citizen's own registration"),
    "care.reminders.own": allow("citizen", note="the account's own reminder preferences"),
}

# Feedback (phản ánh, kiến nghị, Đ18-19) and the public Q&A page. The sender's routes read a token
# if one is sent (it links the feedback to the citizen); staff see their unit's feedback (another
# unit's is 404), the province office and administrators every unit's. Handling: the province
# office only for feedback addressed to itself (another unit's is the service's 403: it routes).
_FEEDBACK: dict[str, Permission] = {
    "feedback.public.send": allow(ANYONE, auth=Auth.OPTIONAL, note="anonymous allowed"),
    "feedback.public.read": allow(
        ANYONE, auth=Auth.OPTIONAL, note="the lookup token, or the signed-in sender's own"
    ),
    "feedback.public.info": allow(ANYONE, auth=Auth.OPTIONAL, note="the sender adds information"),
    "feedback.qa.read": public("answered and published feedback, personal data removed"),
    "feedback.my.list": allow("citizen"),
    "feedback.my.respond": allow("citizen", Scope.OWNER, note="rate, reopen: once; else 404"),
    "feedback.staff.enter": allow("desk agency leader province admin", note="other channels"),
    "feedback.staff.list": allow(
        "desk agency leader province admin", note="the unit's queue; province and admin: all"
    ),
    "feedback.staff.read": allow(
        "desk agency leader province admin",
        Scope.SAME_UNIT,
        everywhere="province admin",
        note="another unit's is 404",
    ),
    "feedback.staff.handle": allow(
        "desk agency leader province admin",
        Scope.SAME_UNIT,
        everywhere="admin",
        note="accept, refuse, request info, answer, publish; the province office routes others",
    ),
    "feedback.staff.route": allow("province admin", note="to another agency"),
}

# Personal data (NĐ 13/2023): the citizen's tracker and rights, staff search, breaches (admin).
_PRIVACY: dict[str, Permission] = {
    "privacy.my.access_log": allow("citizen", note="who accessed my dossiers and profile"),
    "privacy.my.consents": allow("citizen", note="read, give, withdraw"),
    "privacy.my.export": allow("citizen"),
    "privacy.my.erasure": allow("citizen", note="what no retention duty keeps"),
    "privacy.staff.search_id": allow("desk admin", note="by the keyed hash of an ID number"),
    "privacy.breach.manage": allow("admin"),
}

# The signed-in person's own account; the administrator's unlock; the audit log (read-only).
_ACCOUNT: dict[str, Permission] = {
    "auth.me.profile": allow(SIGNED_IN),
    "auth.me.compromised": allow(SIGNED_IN, note="locks the account, tells the administrator"),
    "auth.vneid.start": public("sign-in with VNeID (OIDC, PKCE)"),
    "auth.vneid.callback": public("an unknown or expired state is 401"),
    "admin.account.manage": allow("admin", note="status and unlock"),
    "admin.audit.read": allow("admin"),
}

# The national portal (Cổng DVCQG) pushes dossiers submitted there: HMAC-signed, no token.
_PORTAL: dict[str, Permission] = {
    "portal.intake.push": allow(SYSTEMS, auth=Auth.PORTAL, note="X-DVCQG-Signature"),
}

PERMISSIONS: dict[str, Permission] = {
    **_PUBLIC,
    **_DOSSIER_DESK,
    **_SIGN_IN,
    **_DOSSIER_CITIZEN,
    **_DOSSIER_DESK_MORE,
    **_DOSSIER_AGENCY,
    **_ADMIN,
    **_PROCEDURES,
    **_REPORTS,
    **_AGENCY_API,
    **_CARE,
    **_FEEDBACK,
    **_PRIVACY,
    **_ACCOUNT,
    **_PORTAL,
}


# ---- checks -------------------------------------------------------------------------------------
class UnknownAction(KeyError):
    """An action that is not in the table: a programming error, never a 403."""


def permission(action: str) -> Permission:
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise UnknownAction(action) from None


def role_permits(actor: ActorLike | None, action: str) -> bool:
    """The role part only (what a route checks before parsing the body)."""
    perm = permission(action)
    if perm.auth is Auth.NONE:
        return True
    if actor is None:
        return "anon" in perm.roles
    return actor.role in perm.roles


def unrestricted(actor: ActorLike | None, action: str) -> bool:
    """The scope does not restrict `actor` for `action` (its role is in `everywhere`): it acts on,
    or lists, every unit's records (the province office and administrators, where the table says
    so). Services use it to pick a list's unit, never to admit a role the table refuses."""
    return (
        actor is not None
        and role_permits(actor, action)
        and actor.role in permission(action).everywhere
    )


def _in_scope(actor: ActorLike, perm: Permission, related: Related | None) -> bool:
    if perm.scope is Scope.ANY or actor.role in perm.everywhere:
        return True
    if related is None:
        return False  # a scoped action checked without its record: refuse, never guess
    owner = related.owner is not None and related.owner == actor.sub
    unit = actor.unit is not None and actor.unit in related.units
    lead = actor.unit is not None and actor.unit == related.lead_agency
    if perm.scope is Scope.OWNER:
        return owner
    if perm.scope is Scope.SAME_UNIT:
        return unit or lead
    if perm.scope is Scope.LEAD_AGENCY:
        return lead
    if perm.scope is Scope.DOSSIER:
        return related.visible
    if perm.scope is Scope.PARTY:
        return owner or related.party
    return owner or unit or lead  # OWNER_OR_UNIT


def permits(actor: ActorLike | None, action: str, related: Related | None = None) -> bool:
    """May `actor` take `action` on the record `related` describes?"""
    if not role_permits(actor, action):
        return False
    perm = permission(action)
    if actor is None or perm.auth is Auth.NONE:
        return perm.scope is Scope.ANY
    return _in_scope(actor, perm, related)


def forbidden_role() -> Forbidden:
    return Forbidden(
        "Tài khoản không có quyền thực hiện chức năng này.",
        "This account may not use this function.",
        code="forbidden_role",
    )


def forbidden_unit() -> Forbidden:
    return Forbidden(
        "Hồ sơ này không thuộc đơn vị của bạn.",
        "This record belongs to another unit.",
        code="forbidden_unit",
    )


def require_role(actor: ActorLike | None, action: str) -> None:
    """403 `forbidden_role` unless the actor's role may take `action` (scope not checked: for
    what must be refused before a record is read, as routes do before parsing the body)."""
    if not role_permits(actor, action):
        raise forbidden_role()


def require(
    actor: ActorLike | None,
    action: str,
    related: Related | None = None,
    *,
    otherwise: DomainError | None = None,
) -> None:
    """Raise unless `permits`: the role refused is 403 `forbidden_role`; out of scope is
    `otherwise` (a service's own 404 when existence must not be disclosed) or 403
    `forbidden_unit`."""
    require_role(actor, action)
    if not permits(actor, action, related):
        raise otherwise if otherwise is not None else forbidden_unit()
