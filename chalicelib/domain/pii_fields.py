"""Which values of a stored record are personal data encrypted at rest, and how to take them out
and put them back. Pure: no boto3, no crypto (that is `chalicelib.store.pii`).

Rule (by key name, the same vocabulary `masking` uses, compared lower-case without separators):
- identity numbers: keys that `masking` masks as an ID number (`id_number`, `so_giay_to`, `cccd`,
  `cmnd`, `so_cccd`, `passport`, `ho_chieu`, `so_dinh_danh`, `recipient_id_number`, ...);
- phones: keys `masking` masks as a phone (`phone`, `dien_thoai`, `so_dien_thoai`, `sdt`, ...);
- dates of birth: `ngay_sinh`, `ngay_thang_nam_sinh`, `date_of_birth`, `dob`, `birth_date`, ...
Key names, not the form's JSON Schema: the store encrypts without loading the procedure, and the
e-forms of every procedure use these names (see data/demo/procedures.json), at any depth (the
mother's `me.so_giay_to`, a business owner's `chu_doanh_nghiep.ngay_sinh`, list items).

Where: a dossier's `applicant`, `representation` (both parties' numbers), `form_data` and
`returned` (the recipient's ID at hand-over); a profile's top level. A secret value is replaced
by "" in the readable JSON and kept, with its path, in the encrypted part.
Empty values stay as they are (nothing to hide).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

# One vocabulary of personal-data keys for masking and for encryption (masking's helpers).
from chalicelib.domain.masking import (
    mask_id_number,
    mask_phone,
    masker_for,
    normalise_key,
)

Path = list[str | int]
Secrets = list[tuple[Path, Any]]

BIRTH_DATE_KEYS = frozenset(
    {"ngaysinh", "ngaythangnamsinh", "dateofbirth", "birthdate", "dob", "birthday", "namsinh"}
)
DOSSIER_SUBTREES = ("applicant", "representation", "form_data", "returned")
PLACEHOLDER = ""


def is_secret_key(key: str) -> bool:
    """An ID number, a phone or a date of birth, by its key name."""
    if not isinstance(key, str):
        return False
    if normalise_key(key) in BIRTH_DATE_KEYS:
        return True
    masker: Callable[[str], str] | None = masker_for(key, "")
    return masker is mask_id_number or masker is mask_phone


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _take(node: Any, path: Path, out: Secrets) -> Any:
    if isinstance(node, dict):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            if isinstance(key, str) and is_secret_key(key) and not _empty(value):
                out.append(([*path, key], value))
                result[key] = PLACEHOLDER
            else:
                result[key] = _take(value, [*path, key], out)
        return result
    if isinstance(node, list):
        return [_take(v, [*path, i], out) for i, v in enumerate(node)]
    return node


def split(
    doc: dict[str, Any], subtrees: tuple[str, ...] | None = None
) -> tuple[dict[str, Any], Secrets]:
    """(readable copy with secrets blanked, [(path, value), ...]). `subtrees`: only under these
    top-level keys (a dossier); None: the whole document (a profile)."""
    secrets: Secrets = []
    if subtrees is None:
        return _take(doc, [], secrets), secrets
    out = dict(doc)
    for name in subtrees:
        if name in out:
            out[name] = _take(out[name], [name], secrets)
    return out, secrets


def merge(doc: dict[str, Any], secrets: Secrets) -> dict[str, Any]:
    """Put the decrypted values back at their paths (a copy; a path that no longer fits is
    skipped rather than failing the read)."""
    out = copy.deepcopy(doc)
    for path, value in secrets:
        node: Any = out
        try:
            for step in path[:-1]:
                node = node[step]
            last = path[-1]
            if isinstance(node, dict) or (isinstance(node, list) and isinstance(last, int)):
                node[last] = value  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            continue
    return out


def normalise_id_number(value: str) -> str:
    """The form an ID number is hashed in: no spaces, dots or dashes, upper case (passports)."""
    return "".join(ch for ch in str(value) if ch.isalnum()).upper()
