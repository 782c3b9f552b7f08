"""The API's own input models (query strings, bodies that no service defines), by feature.

Route modules name these by string (chalicelib/api/routing.py resolves them on first use), so
importing app.py imports none of them.
"""
