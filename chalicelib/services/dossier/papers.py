"""Opening a dossier's papers: a short-lived link to one accepted attachment.

The desk checks the papers before receiving a dossier and the agencies read them while processing
it, so whoever may read the dossier (`dossiers.load_for`) may open its accepted papers; its owner
too. An unsubmitted online draft stays the citizen's alone, even for an administrator. The link is
a presigned S3 GET valid for a few minutes that answers with the paper's real name and type, so
the browser shows it in the page; every staff opening is audited (`staff_attachment`) and so shows
in the owner's data tracker. A rejected paper was deleted and has nothing to open.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain.dossier import AttachmentState, Channel
from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.domain.dossier import Attachment, Dossier
    from chalicelib.services.container import Deps

LINK_SECONDS = 300  # long enough to open and read, short enough that a copied link goes stale
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})  # what a page can show


def _no_paper() -> NotFound:
    return NotFound("Không tìm thấy giấy tờ.", "Attachment not found.", field="attachment_id")


def _draft_of_another(d: Dossier, actor: Actor) -> bool:
    """A citizen's online draft before it is filed: no staff role opens its papers."""
    return d.status is None and d.channel is not Channel.DESK and actor.role != "citizen"


def _paper(
    deps: Deps, actor: Actor, dossier_id: str, attachment_id: str
) -> tuple[Dossier, Attachment]:
    from chalicelib.services.dossier.access import load_for
    from chalicelib.services.privacy.privacy import record_refused_read

    d = load_for(deps, dossier_id, actor)
    if _draft_of_another(d, actor):  # answered as load_for answers a dossier out of reach
        record_refused_read(deps, actor, d)
        raise NotFound("Không tìm thấy hồ sơ.", "Dossier not found.", field="id")
    att = next((a for a in d.attachments if a.id == attachment_id), None)
    if att is None or att.state is not AttachmentState.ACCEPTED:
        raise _no_paper()
    return d, att


def attachment_link(
    deps: Deps, actor: Actor, dossier_id: str, attachment_id: str
) -> dict[str, Any]:
    """`{url, download_url, filename, content_type, size, expires_in, expires_at}` for one
    accepted paper of a dossier the caller may read; a staff opening is audited first."""
    from chalicelib.services.admin.audit import record_staff_read

    d, att = _paper(deps, actor, dossier_id, attachment_id)
    record_staff_read(
        deps,
        actor,
        d,
        "attachment",
        {
            "attachment_id": att.id,
            "document_id": att.document_id,
            "document": _document_name(deps, d, att),
        },
    )
    ctype = att.content_type or "application/octet-stream"
    inline = ctype in INLINE_TYPES
    served = ctype if inline else "application/octet-stream"

    def link(show: bool) -> str:
        return deps.files.presigned_get(
            att.key, filename=att.filename, content_type=served, inline=show, expires=LINK_SECONDS
        )

    return {
        "attachment_id": att.id,
        "document_id": att.document_id,
        "filename": att.filename,
        "content_type": served,
        "size": att.size,
        "inline": inline,
        "url": link(inline),
        "download_url": link(False),
        "expires_in": LINK_SECONDS,
        "expires_at": (deps.wall_clock() + timedelta(seconds=LINK_SECONDS)).isoformat(),
    }


def _document_name(deps: Deps, d: Dossier, att: Attachment) -> str | None:
    """The requirement's public name ("Tờ khai ..."): the tracker says which paper, without the
    file's own name (which may carry personal data into the audit chain)."""
    try:
        proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    except NotFound:
        return None
    doc = proc.document(att.document_id)
    return doc.name if doc else None
