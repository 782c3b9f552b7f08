"""Cursor paging over one partition of the single table, with a filter applied here.

The cursor is the key of the last item a page *looked at*, signed and bound to the partition it
came from (chalicelib.store.cursor), so a page cut short by `limit` resumes exactly after it and
a filter never skips or repeats an item across pages. Used by the administrator's lists and the
console's work lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.permissions import unrestricted
from chalicelib.store import lists
from chalicelib.store.cursor import cursors, invalid_cursor, key_scope
from chalicelib.store.lists import ListKey

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.services.container import Deps

PAGE_DEFAULT = 20
PAGE_MAX = 100


def page_limit(
    raw: str | int | None,
    *,
    default: int = PAGE_DEFAULT,
    maximum: int = PAGE_MAX,
    field: str = "limit",
) -> int:
    """The one page-size parser of every list: `limit` from the query string, `default` when
    absent, else an integer 1..`maximum`; anything else is 400 naming the field and the range."""
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise InvalidInput(
            f"Tham số `{field}` (số dòng mỗi trang) phải là số nguyên từ 1 đến {maximum}.",
            f"`{field}` must be an integer from 1 to {maximum}.",
            field=field,
        )
    return value


def query_page(
    deps: Deps,
    key: ListKey,
    *,
    keep: Callable[[dict[str, Any]], bool] = lambda _item: True,
    limit: int = PAGE_DEFAULT,
    cursor: str | None = None,
    forward: bool = True,
    caller: str = "",
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the list `key` (chalicelib.store.lists) that `keep` accepts, and the signed
    cursor of the next page."""
    return lists.query_page(
        deps.store.client,
        deps.store.table,
        key,
        settings=deps.settings,
        keep=keep,
        limit=limit,
        cursor=cursor,
        forward=forward,
        caller=caller,
    )


def chained_page(
    deps: Deps,
    parts: list[ListKey],
    *,
    keep: Callable[[dict[str, Any]], bool] = lambda _item: True,
    limit: int = PAGE_DEFAULT,
    cursor: str | None = None,
    forward: bool = True,
    caller: str = "",
) -> tuple[list[dict[str, Any]], str | None]:
    """`query_page` over several lists one after the other, e.g. a queue's states. The cursor
    is the part's number and the cursor within it, signed for the whole chain."""
    codec = cursors(deps.settings)
    chain = ",".join(k.scope(forward=forward, caller=caller) for k in parts)
    scope = key_scope("chain", extra=chain)
    part, inner = 0, None
    state = codec.decode(cursor, scope)
    if state is not None:
        if not isinstance(state, dict):
            raise invalid_cursor()
        head, rest = state.get("p"), state.get("c")
        if not isinstance(head, int) or not 0 <= head < len(parts):
            raise invalid_cursor()
        if rest is not None and not isinstance(rest, str):
            raise invalid_cursor()
        part, inner = head, rest
    out: list[dict[str, Any]] = []
    while part < len(parts):
        items, nxt = query_page(
            deps,
            parts[part],
            keep=keep,
            limit=limit - len(out),
            cursor=inner,
            forward=forward,
            caller=caller,
        )
        out.extend(items)
        if nxt:
            return out, codec.encode({"p": part, "c": nxt}, scope)
        part, inner = part + 1, None
        if len(out) == limit:
            return out, (codec.encode({"p": part, "c": None}, scope) if part < len(parts) else None)
    return out, None


# ---- the console's work lists (desk inbox, agency tasks, my dossiers) ---------------------------
WORK_LIST_DEFAULT = 50  # without `limit`: what the lists showed before, bounded


def _fold(text: str) -> str:
    from chalicelib.services.catalogue.catalogue import fold

    return fold(text)


def work_page(
    deps: Deps,
    key: ListKey,
    *,
    params: dict[str, str],
    names: dict[str, str] | None = None,
    forward: bool = True,
    where: Callable[[dict[str, Any]], bool] | None = None,
    caller: str = "",
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a dossier, task or feedback index; `q` matches the code, the procedure's code
    or name, a feedback's subject (the item's readable JSON: nothing is decrypted to filter).
    `where` narrows on that JSON too. Raw items: callers turn them into dossiers or tasks,
    decrypting only the page."""
    limit = page_limit(params.get("limit"), default=WORK_LIST_DEFAULT)
    words = _fold(params.get("q") or "").split()

    def keep(item: dict[str, Any]) -> bool:
        if not words and where is None:
            return True
        data = json.loads(item["data"]["S"])
        if where is not None and not where(data):
            return False
        code = data.get("code") or data.get("dossier_code") or ""
        proc = data.get("procedure_code") or ""
        name = (names or {}).get(proc) or data.get("procedure_name") or ""
        hay = _fold(f"{code} {proc} {name} {data.get('subject') or ''}")
        return all(w in hay for w in words)

    return query_page(
        deps,
        key,
        keep=keep,
        limit=limit,
        cursor=params.get("cursor") or None,
        forward=forward,
        caller=caller,
    )


def feedback_queue_page(deps: Deps, actor: Any, params: dict[str, str]) -> dict[str, Any]:
    """The staff feedback queue (soonest due first, paused last), one page: the caller's unit,
    or every unit for the province office and administrators."""
    from chalicelib.services.care import feedback as svc
    from chalicelib.store.feedback import feedback_from_item

    unit = None if unrestricted(actor, "feedback.staff.read") else (actor.unit or "-")
    raw, nxt = work_page(deps, lists.open_feedback(unit), params=params)
    now = deps.clock()
    out = []
    for item in raw:
        fb = feedback_from_item(item)
        view = svc.staff_view(fb)
        view["late"] = fb.due_at is not None and not fb.is_paused and now > fb.due_at
        out.append(view)
    return {"items": out, "next": nxt}


def awaits_leader(data: dict[str, Any]) -> bool:
    """An open dossier with an extension or a stop proposed (the leader's list)."""
    return any((data.get(k) or {}).get("state") == "proposed" for k in ("extension", "stop"))


# ---- the console's work lists, by caller ---------------------------------------------------------
def my_dossiers_page(
    deps: Deps, actor: Actor, params: dict[str, str], names: dict[str, str]
) -> tuple[list[dict[str, Any]], str | None]:
    """The citizen's dossiers, newest first, one page (`?limit&cursor&q`)."""
    key = lists.owner_dossiers(actor.sub)
    return work_page(deps, key, params=params, names=names, forward=False, caller=actor.sub)


def desk_inbox_page(
    deps: Deps, actor: Actor, params: dict[str, str], names: dict[str, str]
) -> tuple[list[dict[str, Any]], str | None]:
    """The desk's inbox, oldest first, one page (`?limit&cursor&q`)."""
    key = lists.desk_inbox(actor.unit or "")
    return work_page(deps, key, params=params, names=names, caller=actor.sub)


def agency_tasks_page(
    deps: Deps, actor: Actor, params: dict[str, str]
) -> tuple[list[dict[str, Any]], str | None]:
    """The agency's open tasks by due time, one page (`?limit&cursor&q`)."""
    return work_page(deps, lists.agency_tasks(actor.unit or ""), params=params, caller=actor.sub)


def leader_pending_page(
    deps: Deps, actor: Actor, params: dict[str, str]
) -> tuple[list[dict[str, Any]], str | None]:
    """Open dossiers of the leader's agency with a proposal awaiting a decision, one page."""
    key = lists.open_dossiers(actor.unit or "")
    return work_page(deps, key, params=params, where=awaits_leader, caller=actor.sub)
