"""Load a demo configuration (units, catalogue, calendar, accounts) into a provisioned stack.

The same loader serves the local stack, the tests and a LocalStack target; it is idempotent, so
running it twice leaves one copy of everything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.domain.procedure import Procedure, Unit

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data" / "demo"


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_catalogue(store: Any, data_dir: Path = DEFAULT_DATA) -> tuple[int, int]:
    """Units, procedures and the calendar; returns (units, procedures) loaded."""
    units = [Unit.model_validate(u) for u in _read(data_dir / "units.json")]
    for u in units:
        store.put_unit(u)
    raw = _read(data_dir / "procedures.json")
    items = raw["procedures"] if isinstance(raw, dict) else raw
    procs = [Procedure.model_validate(p) for p in items]
    for p in procs:
        store.put_procedure(p)
    cal = data_dir / "calendar.json"
    if cal.exists():
        data = {k: v for k, v in _read(cal).items() if not k.startswith("_")}
        store.put_calendar(data)
    return len(units), len(procs)


def ensure_account(cognito: Any, pool_id: str, account: dict[str, Any]) -> str:
    """Create (or find) a confirmed user with a permanent password; return its sub."""
    username = account["username"]
    attrs = [{"Name": "email", "Value": account.get("email") or f"{username}@example.vn"}]
    attrs.append({"Name": "email_verified", "Value": "true"})
    if account.get("name"):
        attrs.append({"Name": "name", "Value": account["name"]})
    try:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=attrs,
            MessageAction="SUPPRESS",
        )
    except cognito.exceptions.UsernameExistsException:
        pass
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=account["password"], Permanent=True
    )
    role = account.get("role", "citizen")
    try:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=role)
    except cognito.exceptions.ResourceNotFoundException:
        pass  # a pool without groups: the profile item alone carries the role
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    return str(sub)


def load_demo(
    data_dir: Path = DEFAULT_DATA,
    outputs: Any = None,
    *,
    store: Any = None,
    cognito: Any = None,
    pool_id: str | None = None,
) -> list[dict[str, Any]]:
    """Everything in a demo folder. Returns the accounts (username, password, role, unit, sub)."""
    from chalicelib import aws
    from chalicelib.settings import get_settings
    from chalicelib.store.table import DynamoStore

    store = store or DynamoStore()
    cognito = cognito or aws.client("cognito-idp")
    pool_id = pool_id or get_settings().user_pool_id
    load_catalogue(store, data_dir)
    accounts = []
    for acc in _read(data_dir / "accounts.json"):
        sub = ensure_account(cognito, pool_id, acc)
        profile = {
            "username": acc["username"],
            "role": acc.get("role", "citizen"),
            "unit": acc.get("unit"),
            "name": acc.get("name", acc["username"]),
            "email": acc.get("email"),
            "phone": acc.get("phone"),
            "id_number": acc.get("id_number"),
            "address": acc.get("address"),
        }
        store.put_profile(sub, profile)
        accounts.append({**profile, "password": acc["password"], "sub": sub})
    return accounts
