"""The e-form check: what people typed, read as they write it, then the procedure's JSON Schema.

A field that fails says, in its own words, what it expects and gives an example: a property's
`x-pattern-message` (Vietnamese) and `x-pattern-message-en`, written by the province office next to
the hint (`description`, `x-description-en`) that the form shows before anything goes wrong. The
first error names its field by its path (`form_data.chu_doanh_nghiep.so_giay_to`) and by the title
of that field, not of the group it sits in.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.form_input import normalise_form
from chalicelib.domain.masking import scrub_text


def property_at(schema: dict[str, Any], path: list[str]) -> dict[str, Any]:
    """The schema of the field at `path` (object keys and list indexes), or {} if there is none."""
    node: Any = schema
    for part in path:
        if not isinstance(node, dict):
            return {}
        if part.isdigit() and isinstance(node.get("items"), dict):
            node = node["items"]
            continue
        props = node.get("properties")
        node = props.get(part) if isinstance(props, dict) else None
    return node if isinstance(node, dict) else {}


def _messages(label: str) -> dict[str, tuple[str, str]]:
    return {
        "required": (f"Trường {label} là bắt buộc.", f"Field {label} is required."),
        "pattern": (f"Trường {label} không đúng định dạng.", f"Field {label} is not well formed."),
        "format": (f"Trường {label} không đúng định dạng.", f"Field {label} is not well formed."),
        "enum": (f"Trường {label} có giá trị không hợp lệ.", f"Field {label} has no such value."),
        "type": (f"Trường {label} sai kiểu dữ liệu.", f"Field {label} has the wrong type."),
        "minLength": (f"Trường {label} quá ngắn.", f"Field {label} is too short."),
        "maxLength": (f"Trường {label} quá dài.", f"Field {label} is too long."),
        "minimum": (f"Trường {label} nhỏ hơn mức cho phép.", f"Field {label} is too small."),
        "maximum": (f"Trường {label} lớn hơn mức cho phép.", f"Field {label} is too large."),
        "minItems": (f"Trường {label} cần ít nhất một dòng.", f"Field {label} needs a row."),
        "additionalProperties": (
            "Biểu mẫu có trường không được phép.",
            "The form has a field it does not allow.",
        ),
    }


def validate_form(schema: dict[str, Any], form_data: dict[str, Any]) -> dict[str, Any]:
    """The e-form as stored: numbers typed as text ("500.000.000") read as numbers and texts with
    an `x-normalize` kind written the expected way ("0912 345 678" -> "0912345678"), then checked
    against the schema. Raises InvalidInput for the first error, naming its field."""
    from jsonschema import Draft202012Validator, FormatChecker

    form_data = normalise_form(schema, form_data)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(form_data), key=lambda e: [str(p) for p in e.path])
    if not errors:
        return form_data
    err = errors[0]
    parts = [str(p) for p in err.absolute_path]
    if err.validator == "required" and isinstance(err.validator_value, list):
        missing = [r for r in err.validator_value if r not in (err.instance or {})]
        parts += missing[:1]
    path = ".".join(parts)
    prop = property_at(schema, parts)
    title = prop.get("title")
    label = f"“{title}”" if isinstance(title, str) and title else f"“{path or 'biểu mẫu'}”"
    vi, en = _messages(label).get(
        str(err.validator), (f"Trường {label} không hợp lệ.", f"Field {label} is not valid.")
    )
    if err.validator in ("pattern", "format"):
        vi = str(prop.get("x-pattern-message") or vi)
        en = str(prop.get("x-pattern-message-en") or en)
    if err.validator not in ("pattern", "format", "required"):
        en = f"{en} ({scrub_text(err.message)})"  # the library's words may echo the input
    raise InvalidInput(
        vi, en, code="invalid_form", field=f"form_data.{path}" if path else "form_data"
    )
