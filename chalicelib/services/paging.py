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
from chalicelib.store.cursor import cursors, invalid_cursor, key_scope

if TYPE_CHECKING:
    from chalicelib.services.container import Deps

PAGE_DEFAULT = 20
PAGE_MAX = 100
_MAX_READS = 10  # raw Query pages one request may read while filtering


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
    *,
    pk: str,
    index: str | None = None,
    sk_prefix: str | None = None,
    keep: Callable[[dict[str, Any]], bool] = lambda _item: True,
    limit: int = PAGE_DEFAULT,
    cursor: str | None = None,
    forward: bool = True,
    caller: str = "",
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of items of a partition that `keep` accepts, and the cursor of the next page
    (signed for this partition, prefix, direction and `caller`: another list refuses it).

    The cursor is the key of the last item *looked at*, so a page cut short by `limit` resumes
    exactly after it. At most `_MAX_READS` raw pages are read per call; a page may then be short
    with a cursor (the client asks for more).
    """
    pk_name, sk_name = (f"{index}PK", f"{index}SK") if index else ("PK", "SK")
    key_names = ["PK", "SK"] + ([pk_name, sk_name] if index else [])
    scope = key_scope(pk, index=index, extra=f"{sk_prefix or ''}|{int(forward)}|{caller}")
    codec = cursors(deps.settings)
    expr = "#pk = :pk"
    names = {"#pk": pk_name}
    values: dict[str, Any] = {":pk": {"S": pk}}
    if sk_prefix:
        expr += " AND begins_with(#sk, :sk)"
        names["#sk"] = sk_name
        values[":sk"] = {"S": sk_prefix}
    kwargs: dict[str, Any] = {
        "TableName": deps.store.table,
        "KeyConditionExpression": expr,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": forward,
        "Limit": max(limit, 100),  # raw items per read; `keep` may drop some
    }
    if index:
        kwargs["IndexName"] = index
    start = codec.decode(cursor, scope)
    if start is not None and not isinstance(start, dict):
        raise invalid_cursor()
    if start:
        kwargs["ExclusiveStartKey"] = start
    out: list[dict[str, Any]] = []
    for _ in range(_MAX_READS):
        resp = deps.store.client.query(**kwargs)
        items = resp.get("Items", [])
        for i, item in enumerate(items):
            if keep(item):
                out.append(item)
                if len(out) == limit:
                    more = i < len(items) - 1 or bool(resp.get("LastEvaluatedKey"))
                    if not more:
                        return out, None
                    return out, codec.encode({k: item[k] for k in key_names if k in item}, scope)
        last = resp.get("LastEvaluatedKey")
        if not last:
            return out, None
        kwargs["ExclusiveStartKey"] = last
    return out, codec.encode(kwargs["ExclusiveStartKey"], scope)


def chained_page(
    deps: Deps,
    parts: list[tuple[str, str | None]],
    *,
    keep: Callable[[dict[str, Any]], bool] = lambda _item: True,
    limit: int = PAGE_DEFAULT,
    cursor: str | None = None,
    forward: bool = True,
    caller: str = "",
) -> tuple[list[dict[str, Any]], str | None]:
    """`query_page` over several partitions (`(pk, index)`) one after the other, e.g. a queue's
    states. The cursor is the part's number and the cursor within it, signed for the whole chain."""
    codec = cursors(deps.settings)
    chain = ",".join(f"{index or ''}:{pk}" for pk, index in parts)
    scope = key_scope("chain", extra=f"{chain}|{int(forward)}|{caller}")
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
        pk, index = parts[part]
        items, nxt = query_page(
            deps,
            pk=pk,
            index=index,
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
    *,
    pk: str,
    index: str,
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
        pk=pk,
        index=index,
        keep=keep,
        limit=limit,
        cursor=params.get("cursor") or None,
        forward=forward,
        caller=caller,
    )


def feedback_queue_page(deps: Deps, actor: Any, params: dict[str, str]) -> dict[str, Any]:
    """The staff feedback queue (soonest due first, paused last), one page: the caller's unit
    (GSI3 `FBOPEN#<unit>`), or every unit for the province office and administrators (GSI4)."""
    from chalicelib.services.care import feedback as svc
    from chalicelib.store.feedback import OPEN_ALL, OPEN_PREFIX, feedback_from_item

    if actor.role in svc.ALL_UNITS_ROLES:
        pk, index = OPEN_ALL, "GSI4"
    else:
        pk, index = OPEN_PREFIX + (actor.unit or "-"), "GSI3"
    raw, nxt = work_page(deps, pk=pk, index=index, params=params)
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
