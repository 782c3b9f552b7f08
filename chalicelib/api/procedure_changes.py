"""How a procedure change's use case answers over HTTP (agencies' and administrator's routes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

svc = LazyModule("chalicelib.services.procedures")


def answer_change(run: Callable[[], Any], status: int = 200) -> Response:
    """Run a use case; an incomplete procedure answers 422 with every problem listed."""
    from chalicelib.domain.procedure_publication import ProcedureIncomplete

    try:
        result = run()
    except ProcedureIncomplete as exc:
        return json_response(exc.to_body(), status=exc.status)
    return json_response(svc.change_view(result), status=status)
