"""moto server: the list of moto's service modules is read once per process, not per request.

moto's behaviour: the server's dispatcher calls `moto.backends.list_of_moto_modules()` on every
request to recognise a service host, which lists moto's package directory (about 150 `isdir`
calls). The list never changes while the process runs.

Why we need it: the local cloud's cost per request: docs/design.md, "Decisions", the bullet "The
local cloud's cost per request must not grow with the data" ("the server reads its module list
once per process"); docs/reliability.md, "Concurrency".

Applies to moto in this process. Idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable

from infra.moto_patches.guard import Guard

GUARD = Guard(__name__, ("5.2.5",))


def apply() -> None:
    GUARD.check_version()
    from moto import backends

    if getattr(backends, "_tthc_module_list", None) is not None:
        return
    GUARD.check_shape(backends, "list_of_moto_modules", ())
    modules = frozenset(backends.list_of_moto_modules())

    def list_of_moto_modules() -> Iterable[str]:
        return modules

    backends._tthc_module_list = modules  # type: ignore[attr-defined]
    backends.list_of_moto_modules = list_of_moto_modules
