"""Registers `chalicelib.api.routes_payments` on the test app when app.py does not yet (and removes
what it added afterwards), so these tests run before and after app.py wires the blueprint."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def payments_routes() -> Iterator[None]:
    import importlib

    from app import app
    from chalicelib.api import routes_payments

    if "/api/payments/vnpay/ipn" in app.routes:
        yield
        return
    before = {path: set(methods) for path, methods in app.routes.items()}
    # Chalice pops `methods` from a blueprint's deferred registrations: a fresh module each time.
    routes_payments = importlib.reload(routes_payments)
    routes_payments.install(app)
    from chalicelib.api.http import escalate_errors

    for path, methods in app.routes.items():  # app.py's install wraps views on the first request
        if path in before:
            continue
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
