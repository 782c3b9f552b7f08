"""Print the API's OpenAPI document: `python -m infra.openapi_doc > openapi.json`.

It imports `app` (every route), so it lives above the app, not in chalicelib/api/openapi.py.
"""

from __future__ import annotations

import sys


def main() -> None:
    from app import app
    from chalicelib.api.openapi import build_spec, render

    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    sys.stdout.write(render(build_spec(app)))


if __name__ == "__main__":
    main()
