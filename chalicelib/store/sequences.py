"""Key formats of the receipt's daily counters and of the retention index.

- daily counter: PK `SEQ#<unit>#<YYMMDD>`, SK `SEQ`, attribute `n` (the last number taken). Which
  unit and which day (the Vietnamese day of the receipt) is the domain's rule,
  `domain.dossier_code.counter_of`; the key format is the store's.
- retention: a final dossier carries GSI3 `EXPIRES#<VN month>` / `<retention_until>#<id>`
  (sparse); the month is `domain.retention.expiry_month`.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.dossier_code import counter_of

SEQUENCE_PREFIX = "SEQ#"
SEQUENCE_SK = "SEQ"
EXPIRES_PREFIX = "EXPIRES#"


def sequence_key(unit: str, received_at: datetime) -> str:
    """Partition key of the unit's daily counter item, `SEQ#<unit>#<YYMMDD>`."""
    code, day = counter_of(unit, received_at)
    return f"{SEQUENCE_PREFIX}{code}#{day}"


def expires_pk(month: str) -> str:
    """GSI3 partition of the dossiers whose retention ends in `month` (`YYYY-MM`, Vietnam)."""
    return EXPIRES_PREFIX + month
