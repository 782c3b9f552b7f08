"""Until app.py registers `routes_privacy`, tests mount it for their own duration only.

Once app.py registers the blueprint this does nothing. Routes added here are removed afterwards, so
tests that compare the app's routes with openapi.json see the app as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def privacy_routes() -> Iterator[None]:
    import importlib

    from app import app
    from chalicelib.api import routes_privacy
    from chalicelib.api.http import escalate_errors

    if "/api/my/access-log" in app.routes:
        yield
        return
    # Chalice consumes a blueprint's route options when registering: a fresh module each time.
    bp = importlib.reload(routes_privacy).bp
    before = {path: set(methods) for path, methods in app.routes.items()}
    app.register_blueprint(bp)
    added: list[tuple[str, str]] = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if method not in before.get(path, set()):
                entry.view_function = escalate_errors(entry.view_function)
                added.append((path, method))
    try:
        yield
    finally:
        for path, method in added:
            routes: dict[str, Any] = app.routes[path]
            routes.pop(method, None)
            if not routes:
                del app.routes[path]
