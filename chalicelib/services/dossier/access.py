"""Loading a dossier for an actor: out of their scope it answers 404 (never 403) and the attempt
is audited, so every use case reads a dossier the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.access import visible_to
from chalicelib.domain.actors import Actor
from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:
    from chalicelib.domain.dossier import Dossier
    from chalicelib.services.container import Deps


def _not_found() -> NotFound:
    return NotFound("Không tìm thấy hồ sơ.", "Dossier not found.", field="id")


def load_for(deps: Deps, dossier_id: str, actor: Actor) -> Dossier:
    """Another person's dossier answers 404, not 403: its existence is not disclosed.

    A staff member (or an agency key) without a relation to the dossier is refused the same way,
    and the attempt is audited (`read_refused`) so the dossier's owner sees it in their tracker."""
    try:
        d = deps.store.get_dossier(dossier_id)
    except NotFound:
        raise _not_found() from None
    if not visible_to(d, actor):
        from chalicelib.services.privacy.privacy import record_refused_read  # only on a refusal

        record_refused_read(deps, actor, d)
        raise _not_found()
    return d


def find_by_code(deps: Deps, actor: Actor, code: str) -> Dossier:
    """Staff open a dossier by the code on its receipt (trimmed, any case). Out of the caller's
    scope it answers exactly like a code never issued, and the attempt is audited."""
    d = deps.store.find_dossier_by_code(code)
    if d is None:
        raise _code_not_found()
    if not visible_to(d, actor):
        from chalicelib.services.privacy.privacy import record_refused_read  # only on a refusal

        record_refused_read(deps, actor, d)
        raise _code_not_found()
    return d


def _code_not_found() -> NotFound:
    return NotFound(
        "Không tìm thấy hồ sơ với mã đã nhập.", "No dossier with that code.", field="code"
    )
