"""The single table's lists, by name, and the one paged Query that reads them.

Each function names one list (a partition of the table or of an index, optionally narrowed to a
sort-key prefix) as a `ListKey`, so services ask for "the desk's inbox" and never spell
`DESK#<unit>` or `GSI3`: the key formats stay in `store/` next to the code that writes them.
`query_page` reads one page of a list with a filter applied here, and answers the signed cursor
of the next page (chalicelib.store.cursor).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.store.cursor import cursors, invalid_cursor, key_scope
from chalicelib.store.feedback import OPEN_ALL, OPEN_PREFIX
from chalicelib.store.procedure_changes import STATE_LIST_PREFIX

if TYPE_CHECKING:
    from chalicelib.settings import Settings

MAX_READS = 10  # raw Query pages one request may read while filtering


@dataclass(frozen=True)
class ListKey:
    """One list of the table: a partition (`pk`) of the table or of `index`, and optionally
    only the sort keys starting with `sk_prefix`."""

    pk: str
    index: str | None = None
    sk_prefix: str | None = None

    def scope(self, *, forward: bool = True, caller: str = "") -> str:
        """What a cursor of this list is bound to (chalicelib.store.cursor)."""
        return key_scope(
            self.pk, index=self.index, extra=f"{self.sk_prefix or ''}|{int(forward)}|{caller}"
        )


# ---- dossiers and tasks (chalicelib.store.table writes these keys) ----------------------------
def owner_dossiers(owner: str) -> ListKey:
    """A citizen's dossiers, by creation time."""
    return ListKey(f"OWNER#{owner}", "GSI2")


def desk_inbox(unit: str) -> ListKey:
    """Dossiers submitted to a one-stop desk and not yet received, by submission time."""
    return ListKey(f"DESK#{unit}", "GSI3")


def open_dossiers(agency: str) -> ListKey:
    """Open dossiers an agency leads, by appointment time (sparse)."""
    return ListKey(f"OPEN#{agency}", "GSI4")


def agency_tasks(agency: str) -> ListKey:
    """An agency's open step tasks, by due time."""
    return ListKey(f"AGENCY#{agency}", "GSI3")


# ---- the administrator's lists -----------------------------------------------------------------
def units() -> ListKey:
    """Every unit, in code order."""
    return ListKey("UNITS")


def unit_children(parent: str) -> ListKey:
    """One unit's children (`-`: the roots), in code order."""
    return ListKey(f"UNITPARENT#{parent}", "GSI1")


def staff(unit: str | None = None, role: str | None = None) -> ListKey:
    """Staff profiles by role then username: every unit's, or one unit's; `role` narrows."""
    prefix = f"{role}#" if role else None
    if unit:
        return ListKey(f"STAFFUNIT#{unit}", "GSI3", prefix)
    return ListKey("STAFFALL", "GSI4", prefix)


def catalogue() -> ListKey:
    """The procedure catalogue, in code order."""
    return ListKey("CATALOG")


# ---- care, privacy, reports, catalogue changes --------------------------------------------------
def open_feedback(unit: str | None) -> ListKey:
    """Open feedback, soonest due first: one unit's, or every unit's (None)."""
    if unit is None:
        return ListKey(OPEN_ALL, "GSI4")
    return ListKey(OPEN_PREFIX + unit, "GSI3")


def support_requests(state: str) -> ListKey:
    """IT's support requests in one state, by time."""
    return ListKey(f"SUPPORTS#{state}", "GSI1")


def breaches() -> ListKey:
    """Every personal-data breach record, by time."""
    return ListKey("BREACHES", "GSI1")


def procedure_changes(state: str) -> ListKey:
    """The province's procedure change requests in one state, by time."""
    return ListKey(STATE_LIST_PREFIX + state, "GSI1")


def reports(agency: str | None = None) -> ListKey:
    """Stored semiannual reports: every one, or one agency's (`PROVINCE`: the province's)."""
    if agency:
        return ListKey(f"REPORTS#{agency}", "GSI2")
    return ListKey("REPORTS", "GSI1")


# ---- whole-list reads ----------------------------------------------------------------------------
def count(client: Any, table: str, key: ListKey) -> int:
    """How many items `key` holds: a COUNT Query (all its pages)."""
    pk_name = f"{key.index}PK" if key.index else "PK"
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": pk_name},
        "ExpressionAttributeValues": {":pk": {"S": key.pk}},
        "Select": "COUNT",
    }
    if key.index:
        kwargs["IndexName"] = key.index
    total = 0
    while True:
        resp = client.query(**kwargs)
        total += int(resp.get("Count", 0))
        last = resp.get("LastEvaluatedKey")
        if not last:
            return total
        kwargs["ExclusiveStartKey"] = last


def items_up_to(client: Any, table: str, key: ListKey, upper: str) -> list[dict[str, Any]]:
    """Every item of `key` (an index's list) whose sort key is <= `upper`, in order."""
    assert key.index, "a list of an index"
    kwargs: dict[str, Any] = {
        "TableName": table,
        "IndexName": key.index,
        "KeyConditionExpression": "#pk = :pk AND #sk <= :hi",
        "ExpressionAttributeNames": {"#pk": f"{key.index}PK", "#sk": f"{key.index}SK"},
        "ExpressionAttributeValues": {":pk": {"S": key.pk}, ":hi": {"S": upper}},
        "ScanIndexForward": True,
    }
    items: list[dict[str, Any]] = []
    while True:
        resp = client.query(**kwargs)
        items.extend(resp.get("Items", []))
        last = resp.get("LastEvaluatedKey")
        if not last:
            return items
        kwargs["ExclusiveStartKey"] = last


# ---- the paged Query -----------------------------------------------------------------------------
def query_page(
    client: Any,
    table: str,
    key: ListKey,
    *,
    settings: Settings,
    keep: Callable[[dict[str, Any]], bool] = lambda _item: True,
    limit: int = 20,
    cursor: str | None = None,
    forward: bool = True,
    caller: str = "",
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the items of `key` that `keep` accepts, and the cursor of the next page
    (signed for this list, direction and `caller`: another list refuses it).

    The cursor is the key of the last item *looked at*, so a page cut short by `limit` resumes
    exactly after it. At most `MAX_READS` raw pages are read per call; a page may then be short
    with a cursor (the client asks for more).
    """
    index = key.index
    pk_name, sk_name = (f"{index}PK", f"{index}SK") if index else ("PK", "SK")
    key_names = ["PK", "SK"] + ([pk_name, sk_name] if index else [])
    scope = key.scope(forward=forward, caller=caller)
    codec = cursors(settings)
    expr = "#pk = :pk"
    names = {"#pk": pk_name}
    values: dict[str, Any] = {":pk": {"S": key.pk}}
    if key.sk_prefix:
        expr += " AND begins_with(#sk, :sk)"
        names["#sk"] = sk_name
        values[":sk"] = {"S": key.sk_prefix}
    kwargs: dict[str, Any] = {
        "TableName": table,
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
    for _ in range(MAX_READS):
        resp = client.query(**kwargs)
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
