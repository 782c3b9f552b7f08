"""How typed numbers are read: one table for the server rule (chalicelib/domain/form_input.py,
tests/unit/test_form_input.py) and the web form's (web/js/natural.js,
tests/web/test_natural_input_web.py), so the two can never read the same text differently.

Each case: (what the person typed, integer field?, the number, or why it is refused).
"""

from __future__ import annotations

NUMBER_CASES: list[tuple[str, bool, int | float | str]] = [
    # Vietnamese: dots between thousands, a comma before decimals
    ("500.000.000", True, 500_000_000),
    ("500000000", True, 500_000_000),
    ("500 000 000", True, 500_000_000),
    ("500\u00a0000\u00a0000", True, 500_000_000),  # a no-break space, as copied from a document
    ("1.500", True, 1500),  # one dot before three digits: thousands in an integer field
    ("1.000", True, 1000),
    ("2.015", True, 2015),
    ("1.500.000 đ", True, 1_500_000),
    ("1.500.000 đồng", True, 1_500_000),
    ("500.000.000 VNĐ", True, 500_000_000),
    ("  42 ", True, 42),
    ("0", True, 0),
    ("-5", True, -5),
    ("1.500.000,00", True, 1_500_000),
    ("12,5", False, 12.5),
    ("1.500,5", False, 1500.5),
    ("1 500,75", False, 1500.75),
    ("0,500", False, 0.5),
    ("120", False, 120),
    # English habits where only one reading is possible
    ("500,000,000", True, 500_000_000),
    ("1,500,000", True, 1_500_000),
    ("1,500.5", False, 1500.5),
    ("12.5", False, 12.5),
    ("1.25", False, 1.25),
    # could be two numbers: refused, never guessed
    ("1,500", True, "ambiguous"),
    ("1,000", True, "ambiguous"),
    ("1,500", False, "ambiguous"),
    ("1.500", False, "ambiguous"),
    ("1 500.000", True, "ambiguous"),
    ("1.500,000", False, "ambiguous"),
    # not a whole number where one is needed
    ("1,5", True, "not_integer"),
    ("12.5", True, "not_integer"),
    ("0.500", True, "not_integer"),
    ("1.500,5", True, "not_integer"),
    # garbage
    ("abc", True, "not_number"),
    ("500.000.00", True, "not_number"),
    ("1.2.3", True, "not_number"),
    ("5 00", True, "not_number"),
    ("1..5", False, "not_number"),
    ("1,5,", False, "not_number"),
    (".5", False, "not_number"),
    ("5e8", True, "not_number"),
    ("1.500 000,5", False, "not_number"),
    ("0.500.000", True, "not_number"),
    ("500.000.000 USD", True, "not_number"),
    ("12 m²", False, "not_number"),
    ("1234567890123456", True, "too_long"),
]
