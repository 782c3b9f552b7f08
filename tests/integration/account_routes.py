"""Registers `chalicelib.api.routes_account` on an app when app.py does not yet (and removes what it
added afterwards), so these tests run before and after app.py wires the blueprint."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def account_routes(app: Any = None) -> Iterator[None]:
    import importlib

    from chalicelib.api import routes_account

    if app is None:
        from app import app as the_app

        app = the_app
    if routes_account.PATHS[0] in app.routes:
        yield
        return
    before = {path: set(methods) for path, methods in app.routes.items()}
    # Chalice pops `methods` from a blueprint's deferred registrations: a fresh module each time.
    routes = importlib.reload(routes_account)
    app.register_blueprint(routes.bp)
    from chalicelib.api.http import escalate_errors

    for path in routes.PATHS:  # app.py's install wraps views on the first request only
        for entry in app.routes[path].values():
            entry.view_function = escalate_errors(entry.view_function)
    try:
        yield
    finally:
        for path in list(app.routes):
            if path not in before:
                del app.routes[path]
            else:
                for method in list(app.routes[path]):
                    if method not in before[path]:
                        del app.routes[path][method]
