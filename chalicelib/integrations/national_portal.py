"""The national portal (Cổng DVCQG) sync client: POST one packet as JSON, retry with backoff.

`send(packet)` makes at most `attempts` requests, sleeping `base_delay * 2**n` between them (the
sleep is injected, so tests do not wait). 5xx, 408, 429, timeouts and connection errors are
retried; another 4xx is the portal refusing this packet (`Refused`, not retried: the same bytes
would be refused again). After the last attempt `Unavailable` is raised and the queue redelivers.

Every request carries `Idempotency-Key: <packet_id>:<version>` (also in the body), so a retry
after a lost answer does not make a second record. The URL and token come from settings; the
token is never logged, and neither is the packet (personal data): logs name the dossier code.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 429})


class SyncError(Exception):
    """The packet was not delivered. `message_vi` is what the ops view shows."""

    def __init__(self, message_vi: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message_vi = message_vi
        self.status = status


class NotConfigured(SyncError):
    """No portal address: nothing to retry until an administrator sets NATIONAL_PORTAL_URL."""


class Refused(SyncError):
    """The portal answered 4xx: this packet will not be accepted as it is."""


class Unavailable(SyncError):
    """5xx, timeout or no connection on every attempt: let the queue redeliver later."""


def idempotency_key(packet: Mapping[str, Any]) -> str:
    return f"{packet['packet_id']}:{packet['version']}"


@dataclass
class NationalPortalClient:
    url: str
    token: str = field(default="", repr=False)
    timeout_seconds: float = 10.0
    attempts: int = 3
    base_delay_seconds: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    opener: Callable[..., Any] = urllib.request.urlopen  # noqa: S310 (scheme checked in _request)

    def _request(self, packet: Mapping[str, Any]) -> urllib.request.Request:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": idempotency_key(packet),
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(packet, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if not self.url.startswith(("https://", "http://")):
            raise NotConfigured(
                "Địa chỉ Cổng DVCQG phải là http(s)://.",
                "The national portal URL must be http(s)://.",
            )
        return urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url, data=body, headers=headers, method="POST"
        )

    def _once(self, packet: Mapping[str, Any]) -> dict[str, Any]:
        with self.opener(self._request(packet), timeout=self.timeout_seconds) as resp:
            raw = resp.read()
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {}

    def send(self, packet: Mapping[str, Any]) -> dict[str, Any]:
        """Deliver the packet; the portal's JSON answer. Raises a SyncError subclass."""
        if not self.url:
            raise NotConfigured(
                "Chưa cấu hình địa chỉ Cổng DVCQG (NATIONAL_PORTAL_URL).",
                "The national portal URL (NATIONAL_PORTAL_URL) is not configured.",
            )
        last: SyncError | None = None
        for attempt in range(max(1, self.attempts)):
            if attempt:
                self.sleep(self.base_delay_seconds * 2 ** (attempt - 1))
            try:
                return self._once(packet)
            except urllib.error.HTTPError as exc:
                status = exc.code
                if 400 <= status < 500 and status not in RETRYABLE_STATUS:
                    raise Refused(
                        f"Cổng DVCQG từ chối gói tin (HTTP {status}).",
                        f"The national portal refused the packet (HTTP {status}).",
                        status,
                    ) from exc
                last = Unavailable(
                    f"Cổng DVCQG lỗi (HTTP {status}).",
                    f"The national portal failed (HTTP {status}).",
                    status,
                )
            except TimeoutError:
                last = Unavailable(
                    "Cổng DVCQG không trả lời kịp (quá thời gian chờ).",
                    "The national portal did not answer in time.",
                )
            except urllib.error.URLError as exc:
                timed_out = isinstance(exc.reason, TimeoutError)
                last = Unavailable(
                    "Cổng DVCQG không trả lời kịp (quá thời gian chờ)."
                    if timed_out
                    else "Không kết nối được Cổng DVCQG.",
                    "The national portal did not answer in time."
                    if timed_out
                    else f"Cannot reach the national portal ({type(exc.reason).__name__}).",
                )
            except OSError as exc:  # connection reset mid-answer
                last = Unavailable(
                    "Không kết nối được Cổng DVCQG.",
                    f"Cannot reach the national portal ({type(exc).__name__}).",
                )
            log.warning(
                "national portal: %s attempt %d of %d failed: %s",
                packet.get("MaHoSo"),
                attempt + 1,
                self.attempts,
                last,
            )
        assert last is not None
        raise last
