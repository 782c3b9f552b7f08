"""Masking of personal data for the public lookup and for logs (Luật/NĐ 13/2023 on personal data).

Masks keep just enough for a person to recognise their own record ("Nguyễn V** A*", "*******678")
and never the whole value. Functions are pure and never raise on odd input: a log line must not fail
because a field had an unexpected shape.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

STAR = "*"

_PHONE_RE = re.compile(r"(?<![\w+])(?:\+84|0)(?:[ .-]?\d){8,10}(?!\d)")
_ID_RE = re.compile(r"(?<!\d)\d{9,12}(?!\d)")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _nfc(value: str) -> str:
    # NFC makes every Vietnamese letter one code point, so "Văn" is 3 characters even if the input
    # arrived decomposed (e.g. from macOS or a scanner's OCR).
    return unicodedata.normalize("NFC", value)


def _initial(word: str) -> str:
    return word[0] + STAR * (len(word) - 1)


def mask_name(name: str) -> str:
    """Keep the family name and the initial of every other word: "Nguyễn V** A*".

    A single-word name keeps only its initial ("A*"), since nothing else would be hidden.
    """
    words = _nfc(str(name)).split()
    if not words:
        return ""
    if len(words) == 1:
        return _initial(words[0])
    return " ".join([words[0], *(_initial(w) for w in words[1:])])


def _keep_tail(chars: str, keep: int) -> str:
    keep = max(0, min(keep, len(chars) // 2))
    return STAR * (len(chars) - keep) + chars[len(chars) - keep :]


def mask_id_number(value: str) -> str:
    """Keep the last 4 characters of long numbers (CCCD 12, tax code 10+) and 3 of shorter ones.

    Never reveal more than half of a value, so a short code is not given away.
    """
    compact = "".join(str(value).split())
    return _keep_tail(compact, 4 if len(compact) >= 10 else 3)


def mask_phone(value: str) -> str:
    """Hide every digit except the last 3, keeping "+", spaces and dots as typed."""
    text = str(value)
    digits = sum(ch.isdigit() for ch in text)
    keep = max(0, min(3, digits // 2))
    out: list[str] = []
    seen = 0
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - keep else STAR)
        else:
            out.append(ch)
    return "".join(out)


def mask_email(value: str) -> str:
    """First letter of the mailbox, a fixed "***" (length not leaked), then the domain."""
    text = _nfc(str(value)).strip()
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at:
        return text[0] + STAR * 3
    return (local[:1] or "") + STAR * 3 + "@" + domain


def mask_address(value: str) -> str:
    """Keep only the last part (the province or commune): "***, Hậu Giang"."""
    parts = [p.strip() for p in _nfc(str(value)).split(",") if p.strip()]
    if len(parts) < 2:
        return STAR * 3 if parts else ""
    return STAR * 3 + ", " + parts[-1]


def normalise_key(key: str) -> str:
    """A field name compared loosely: lower case, letters and digits only."""
    return "".join(ch for ch in key.lower() if ch.isalnum())


# Keys are compared lower-case without separators: id_number, idNumber and ID-NUMBER are one key.
_ID_EXACT = {"cancuoc", "giayto", "socmnd", "socccd", "nationalid", "citizenid", "taxcode", "mst"}
_ID_PARTS = ("idnumber", "cccd", "cmnd", "sogiayto", "passport", "hochieu", "dinhdanh")
_PHONE_EXACT = {"sdt", "tel", "telephone", "mobile", "didong"}
_PHONE_PARTS = ("phone", "dienthoai")
_EMAIL_PARTS = ("email", "thudientu")
_ADDRESS_PARTS = ("address", "diachi")
_NAME_EXACT = {"hoten", "fullname", "applicantname", "chuhoso", "tenchuhoso", "tennguoinop"}
# Under these parents a plain "name" is a person's name (e.g. a dossier's `applicant.name`).
_PERSON_PARENTS = {"applicant", "chuhoso", "nguoinop", "citizen", "person", "nguoiyeucau"}


def masker_for(key: str, parent: str) -> Callable[[str], str] | None:
    """The mask for a field named `key` (in `parent`); None when it holds no personal data."""
    k = normalise_key(key)
    if k in _ID_EXACT or any(p in k for p in _ID_PARTS):
        return mask_id_number
    if k in _PHONE_EXACT or any(p in k for p in _PHONE_PARTS):
        return mask_phone
    if any(p in k for p in _EMAIL_PARTS):
        return mask_email
    if any(p in k for p in _ADDRESS_PARTS):
        return mask_address
    if k in _NAME_EXACT or (k in {"name", "ten"} and parent in _PERSON_PARENTS):
        return mask_name
    return None


def _apply(value: Any, masker: Callable[[str], str]) -> Any:
    """Mask every scalar under a sensitive key, whatever container it sits in."""
    if isinstance(value, str):
        return masker(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return masker(str(value))
    if isinstance(value, Mapping):
        return {k: _apply(v, masker) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_apply(v, masker) for v in value]
    return value


def mask_pii(obj: Any, *, scrub_strings: bool = False, _parent: str = "") -> Any:
    """A copy of `obj` with values under personal-data keys masked (case-insensitive keys).

    Keys: id_number/cccd/cmnd/so_giay_to/passport..., phone/so_dien_thoai/sdt..., email...,
    address/dia_chi..., ho_ten/full_name and `name` inside an applicant. With `scrub_strings`,
    other strings also go through `scrub_text` (free-text notes may hold a number).
    """
    if isinstance(obj, Mapping):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            masker = masker_for(key, _parent) if isinstance(key, str) else None
            if masker is not None:
                out[key] = _apply(value, masker)
            else:
                child_parent = normalise_key(key) if isinstance(key, str) else ""
                out[key] = mask_pii(value, scrub_strings=scrub_strings, _parent=child_parent)
        return out
    if isinstance(obj, list | tuple):
        items = [mask_pii(v, scrub_strings=scrub_strings, _parent=_parent) for v in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if scrub_strings and isinstance(obj, str):
        return scrub_text(obj)
    return obj


def scrub_text(text: str) -> str:
    """Mask e-mail addresses, Vietnamese phone numbers and 9-12 digit ID numbers in free text.

    Phones are matched first ("0912 345 678", "+84 912345678"), then bare 9-12 digit runs (CMND,
    CCCD). Note that a 10-digit epoch timestamp in text is masked too: better too much than a leak.
    """
    if not text:
        return text
    text = _EMAIL_RE.sub(lambda m: mask_email(m.group(0)), text)
    text = _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)
    return _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
