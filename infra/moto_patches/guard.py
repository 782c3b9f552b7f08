"""What every moto patch checks before it replaces anything: the moto it was written against.

A patch reaches into moto's internals, which change between releases without notice (moto 5.2.6
already removed `moto.core.exceptions.AWSError`, which one of ours raises). So each patch names the
moto version(s) whose code it was read against and refuses any other, and checks that what it
replaces (and the internals it calls) still exist with the parameters it expects. An upgrade then
fails at the first test, naming the patch to read again, instead of a wrong answer later.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class MotoPatchError(RuntimeError):
    """A moto patch met a moto it was not written for: re-read the patch against that moto."""


def installed_moto() -> str:
    import moto

    return str(getattr(moto, "__version__", "unknown"))


@dataclass(frozen=True)
class Guard:
    """One patch's guard: its name (as errors show it) and the moto versions it was checked on."""

    patch: str
    versions: tuple[str, ...]

    def check_version(self) -> None:
        """Raise unless the installed moto is one this patch was written against."""
        found = installed_moto()
        if found not in self.versions:
            raise MotoPatchError(
                f"{self.patch} was written against moto {', '.join(self.versions)}, not moto "
                f"{found}: read the moto code it patches again, then add {found} to its Guard "
                "(or delete the patch if moto now behaves as AWS does)"
            )

    def check_shape(
        self,
        owner: Any,
        name: str,
        params: Sequence[str] | None = None,
        *,
        accepts: Sequence[str] = (),
    ) -> None:
        """Raise unless `owner.name` is callable, has exactly `params` (what the patch replaces) if
        given, and has each parameter of `accepts` (the keywords the patch calls it with)."""
        if inspect.ismodule(owner):
            label = f"{owner.__name__}.{name}"
        else:
            label = f"{owner.__module__}.{owner.__qualname__}.{name}"
        target = getattr(owner, name, None)
        if not callable(target):
            raise MotoPatchError(f"{self.patch}: moto {installed_moto()} has no {label} to patch")
        found = list(inspect.signature(target).parameters)
        missing = [p for p in accepts if p not in found]
        if (params is not None and found != list(params)) or missing:
            expected = ", ".join(params) if params is not None else f"... {', '.join(accepts)} ..."
            raise MotoPatchError(
                f"{self.patch}: moto {installed_moto()}'s {label} takes ({', '.join(found)}), "
                f"not the ({expected}) the patch was written for"
            )
