"""Registers `chalicelib.api.routes_reports` on the test app when app.py does not yet (and removes
what it added afterwards), so these tests run before and after app.py wires the blueprint."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def reports_routes() -> Iterator[None]:
    import importlib

    from app import app
    from chalicelib.api import routes_reports

    if "/api/reports" in app.routes:
        yield
        return
    before = {path: set(methods) for path, methods in app.routes.items()}
    had_xlsx = routes_reports.XLSX in app.api.binary_types
    # Chalice pops `methods` from a blueprint's deferred registrations: a fresh module each time.
    routes_reports = importlib.reload(routes_reports)
    routes_reports.install(app)
    from chalicelib.api.http import escalate_errors

    for methods in app.routes.values():  # app.py's install wraps views on the first request only
        for entry in methods.values():
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
        if not had_xlsx and routes_reports.XLSX in app.api.binary_types:
            app.api.binary_types.remove(routes_reports.XLSX)
