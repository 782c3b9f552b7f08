"""One HTTP port for the browser: the Chalice app under `/api/...` and the static `web/` elsewhere.

The API goes through chalice's local API Gateway (`chalice.local`), so the browser is same-origin
with it, as behind CloudFront. `make_server()` builds the server; `running_stack()` serves it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import mimetypes
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger("infra.local")

API_PAYLOAD_LIMIT = 10 * 1024 * 1024  # API Gateway REST: 10 MB request payload


def _make_handler_class() -> type:
    """Built lazily so importing this module does not import chalice.local."""
    from chalice.local import ChaliceRequestHandler

    class WebAndApiHandler(ChaliceRequestHandler):
        """`/api/...` (and `/sim/...`) go through chalice's local API Gateway; every other path is a
        web file, or the web's 404 page."""

        path: str

        def __init__(
            self,
            request: Any,
            client_address: Any,
            server: Any,
            app_object: Any,
            config: Any,
            *,
            web_dir: Path,
            strip_api_prefix: bool,
        ) -> None:
            # Set before the base __init__, which handles the request.
            self.web_dir = web_dir
            self.strip_api_prefix = strip_api_prefix
            self.has_app = app_object is not None
            if app_object is None:
                BaseHTTPRequestHandler.__init__(self, request, client_address, server)
            else:
                super().__init__(request, client_address, server, app_object, config)

        def _dispatch(self) -> None:
            path = urlsplit(self.path).path
            # The contract is served beside the API, as CloudFront does (/openapi.json → API);
            # /sim/ is the app's own VNPay simulator page (VNPAY_SIMULATOR, local only).
            if path in ("/api", "/openapi.json") or path.startswith(("/api/", "/sim/")):
                self._api()
            else:
                self._static(path)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

        def _api(self) -> None:
            if not self.has_app:
                self._plain(503, b'{"code": "no_app", "message": "app.py is not available"}')
                return
            # API Gateway's payload limit: 10 MB, answered 413 in JSON before the function runs.
            if int(self.headers.get("Content-Length") or 0) > API_PAYLOAD_LIMIT:
                self.close_connection = True
                self._plain(413, b'{"message": "Request Too Long"}')
                return
            if self.strip_api_prefix:
                rest = self.path[len("/api") :]
                self.path = rest if rest.startswith("/") else "/" + rest
            try:
                self._generic_handle()
            except Exception:
                log.exception("API request %s %s failed", self.command, self.path)
                with contextlib.suppress(Exception):
                    self._plain(500, b'{"code": "internal", "message": "local gateway error"}')

        def _static(self, path: str) -> None:
            if self.command not in ("GET", "HEAD"):
                self._plain(405, b'{"code": "method_not_allowed"}')
                return
            root = self.web_dir.resolve()
            target = (root / unquote(path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root) or not target.is_file():
                # A person who followed a stale link gets a Vietnamese page with a way home.
                page = root / "404.html"
                missing = page.read_bytes() if page.is_file() else "Không tìm thấy".encode()
                self._plain(404, missing, "text/html; charset=utf-8")
                return
            body = target.read_bytes()
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
                ctype += "; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)

        def _plain(self, code: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            api = self.path.startswith("/api")
            log.log(
                logging.INFO if api else logging.DEBUG,
                "%s %s",
                self.address_string(),
                format % args,
            )

    return WebAndApiHandler


def _serves_api_prefix(app: Any) -> bool:
    """Whether the app's routes already start with /api (else /api is the stage, as in AWS)."""
    return any(p == "/api" or p.startswith("/api/") for p in getattr(app, "routes", {}))


def make_server(app: Any, host: str, port: int, web_dir: Path) -> Any:
    """A chalice LocalDevServer whose handler also serves the web; not yet serving."""
    from chalice.config import Config
    from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer

    if app is not None and not isinstance(app, LocalChalice):
        # What chalice's create_local_server does: current_request becomes thread-local.
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    config = Config.create(
        chalice_stage="dev",
        app_name=getattr(app, "app_name", "tthc"),
        lambda_timeout=60,
        lambda_memory_size=512,
    )
    handler = functools.partial(
        _make_handler_class(),
        web_dir=web_dir,
        strip_api_prefix=app is not None and not _serves_api_prefix(app),
    )
    return LocalDevServer(app, config, host, port, handler_cls=handler)
