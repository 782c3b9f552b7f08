"""One lock around each of a moto backend's operations (the serial patches share it)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any


def serialise(backend: Any, names: tuple[str, ...], lock: threading.RLock) -> None:
    """Wrap each of a moto backend's operations so they run one at a time under `lock`."""

    def serial(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return fn(*args, **kwargs)

        return wrapper

    for name in names:
        setattr(backend, name, serial(getattr(backend, name)))
