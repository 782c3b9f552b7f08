"""The local stack's runner: `running_stack()` starts the whole system; `RunningStack` is it.

In one process: a moto server with Step Functions execution on (`infra.moto_server`; or in a
process of its own, `infra.moto_process`; or the endpoint in AWS_ENDPOINT_URL, e.g. LocalStack),
the resources of `infra.resources` provisioned onto it, the demo data, the fake national portal,
the HTTP server (`infra.local.http_server`) and the event pump (`infra.local.pump`).

Tests use `running_stack()`, which yields a `RunningStack` (url, endpoint_url, outputs, accounts,
pump_once()).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import resources as r
from infra.local.http_server import make_server
from infra.local.pump import EventPump
from infra.moto_process import moto_subprocess
from infra.moto_server import start_moto_server

log = logging.getLogger("infra.local")

ROOT = r.ROOT
WEB_DIR = ROOT / "web"
DEFAULT_DATA_DIR = ROOT / "data" / "demo"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass
class RunningStack:
    """A running local stack, as `running_stack()` yields it."""

    url: str
    endpoint_url: str
    outputs: r.Outputs
    accounts: list[dict[str, Any]]
    pump: EventPump
    app: Any = None
    environment: dict[str, str] = field(default_factory=dict)
    portal: Any = None  # the national portal twin, when no NATIONAL_PORTAL_URL was given

    def pump_once(self, wait_seconds: int = 0) -> int:
        """Deliver the messages waiting now; returns how many handlers succeeded."""
        return self.pump.pump_once(wait_seconds)

    def pump_until_idle(self, idle_seconds: float = 0.5, timeout: float = 30.0) -> int:
        return self.pump.pump_until_idle(idle_seconds, timeout)

    def fire_schedule(self, name: str) -> bool:
        return self.pump.fire_schedule(name)


def reset_app_caches() -> None:
    """Forget every process-wide client and settings object, after the environment changed.

    chalicelib.aws caches clients and settings; the services cache their `Deps` (whose store and
    settings point at one endpoint). A second stack in the same process must not reuse either.
    """
    from chalicelib import aws

    aws.reset()
    try:
        from chalicelib.services.deps import set_deps
    except ImportError:  # the services are not there yet
        return
    set_deps(None)
    from chalicelib.services.portal.portal_sync import forget_secrets

    forget_secrets()


def _ensure_base_env() -> None:
    """Dummy credentials and a region so boto3 never reaches for a real account's."""
    for k, v in DUMMY_CREDENTIALS.items():
        os.environ.setdefault(k, v)
    region = (
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or r.DEFAULT_REGION
    )
    os.environ.setdefault("AWS_REGION", region)
    os.environ.setdefault("AWS_DEFAULT_REGION", region)


def enable_sfn_execution(endpoint: str, *, required: bool) -> None:
    """Turn on moto's ASL interpreter (without it executions never run)."""
    req = urllib.request.Request(
        f"{endpoint}/moto-api/config",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
    except Exception as exc:
        if required:
            raise
        log.info(
            "%s is not a moto server (%s); Step Functions runs as it does there", endpoint, exc
        )


# What the app imports on first use (Lambda's cold start stays short), imported once up front here.
POWERTOOLS_LAZY = (
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.tracing",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.idempotency.exceptions",
)


def warm_imports() -> None:
    """Import the app's lazily imported modules before the stack's threads start.

    A Lambda instance serves one request at a time, so the app defers heavy imports to first use.
    The local stack serves many at once from one process, and two threads importing the same
    package for the first time can trip Python's import-lock deadlock detection: a browser test
    met `_DeadlockError` on `aws_lambda_powertools.utilities` (a 500 on the first sign-in).
    """
    import pkgutil

    import chalicelib

    for name in POWERTOOLS_LAZY:
        importlib.import_module(name)
    for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(module.name)


def _load_app() -> Any:
    """The Chalice app of app.py, or None while app.py does not exist yet."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        module = importlib.import_module("app")
    except ModuleNotFoundError as exc:
        if exc.name != "app":
            raise
        log.warning("app.py not found: serving the web only")
        return None
    return module.app


def _load_demo(data_dir: Path | None, outputs: r.Outputs) -> list[dict[str, Any]]:
    if data_dir is None:
        return []
    try:
        from infra.demo import load_demo
    except ImportError as exc:
        log.warning("demo data not loaded: infra.demo is not importable (%s)", exc)
        return []
    accounts = list(load_demo(Path(data_dir), outputs))
    from infra.demo import seed_dossiers

    seed_dossiers(accounts, Path(data_dir))
    from chalicelib.services.deps import get_deps
    from infra.demo import seed_statistics

    seed_statistics(get_deps().store, Path(data_dir))
    return accounts


def _start_twin_portal(
    host: str, api_url: str, endpoint: str, region: str, stack: str, data_dir: Path | None
) -> tuple[Any, dict[str, str]]:
    """The national portal (Cổng DVCQG) twin (infra/twins/national_portal.py) and the settings
    that point the app at it: client credentials with the secret in the local Secrets Manager,
    pushes signed to our intake route with the push secret in an SSM SecureString (as the
    template's API function reads it), its catalogue the demo's (so a sync finds nothing new).
    TWIN_PORTAL_PORT fixes its port (default: a free one)."""
    import json
    import secrets as random

    import boto3

    from infra.twins.national_portal import FakeNationalPortal, national_catalogue

    client_secret, push_secret = random.token_urlsafe(24), random.token_urlsafe(24)
    name = f"{stack}/dvcqg"
    sm = boto3.session.Session().client("secretsmanager", region_name=region, endpoint_url=endpoint)
    value = json.dumps({"client_secret": client_secret})
    try:
        sm.create_secret(Name=name, SecretString=value)
    except sm.exceptions.ResourceExistsException:
        sm.put_secret_value(SecretId=name, SecretString=value)
    from infra.resources import push_secret_param

    param = push_secret_param(stack)
    ssm = boto3.session.Session().client("ssm", region_name=region, endpoint_url=endpoint)
    ssm.put_parameter(Name=param, Value=push_secret, Type="SecureString", Overwrite=True)
    portal = FakeNationalPortal(
        host=host,
        port=int(os.environ.get("TWIN_PORTAL_PORT") or 0),
        client_id="tthc-local",
        client_secret=client_secret,
        push_url=f"{api_url}/api/portal/dvcqg/hoso",
        push_secret=push_secret,
    ).start()
    if data_dir is not None and (data_dir / "procedures.json").exists():
        portal.catalogue = national_catalogue(
            json.loads((data_dir / "procedures.json").read_text(encoding="utf-8")),
            json.loads((data_dir / "units.json").read_text(encoding="utf-8")),
        )
    log.info("national portal twin at %s", portal.page_url)
    env = {
        "NATIONAL_PORTAL_URL": portal.url,
        "NATIONAL_PORTAL_CLIENT_ID": "tthc-local",
        "NATIONAL_PORTAL_SECRET_ID": f"secretsmanager:{name}",
        "NATIONAL_PORTAL_PUSH_SECRET_PARAM": param,
    }
    return portal, env


def _start_vneid_twin(stack: contextlib.ExitStack, redirect_uris: list[str]) -> Any:
    """The VNeID twin (infra/twins/vneid, Node) for the stack's lifetime; None without Node (the
    sign-in page then says VNeID is not configured and offers the password)."""
    from infra.twins.vneid_twin import TwinUnavailable, node_available, vneid_twin

    if not node_available():
        log.warning("node/npm not found: no VNeID twin, VNeID sign-in is off")
        return None
    try:
        twin = stack.enter_context(vneid_twin(redirect_uris))
    except (TwinUnavailable, OSError, subprocess.SubprocessError) as exc:
        log.warning("VNeID twin did not start (%s): VNeID sign-in is off", exc)
        return None
    log.info("VNeID twin at %s", twin.issuer)
    return twin


@contextlib.contextmanager
def running_stack(
    port: int = 0,
    data_dir: Path | str | None = DEFAULT_DATA_DIR,
    endpoint_url: str | None = None,
    *,
    host: str = "127.0.0.1",
    stack: str = r.DEFAULT_STACK,
    app: Any = None,
    background_pump: bool = True,
    web_dir: Path = WEB_DIR,
    retry_delay_seconds: float = 1.0,
    moto_process: bool = False,
    pump_pollers: int = 1,
) -> Iterator[RunningStack]:
    """Start the local stack; stop it (and restore os.environ) on exit.

    `port=0` picks a free port. Without `endpoint_url` (or AWS_ENDPOINT_URL, or LOCALSTACK=1) an
    in-process moto server is started on a free port. `data_dir=None` loads no demo data. `app`
    defaults to app.py's Chalice app. With `background_pump=False` only `pump_once()` delivers.
    `moto_process=True` runs that moto server in a process of its own (`infra.moto_process`), so
    it and the API each get a core (the load bench). `pump_pollers` threads consume each queue.
    """
    from infra.provision import provision

    saved_env = dict(os.environ)
    moto_server: Any = None
    server: Any = None
    server_thread: threading.Thread | None = None
    pump: EventPump | None = None
    portal: Any = None  # the national portal twin when none is configured
    moto_child = contextlib.ExitStack()
    try:
        _ensure_base_env()
        os.environ["STACK_NAME"] = stack  # app.py names its queues from it at import
        # The port first: a port in use fails before anything else starts.
        the_app = app if app is not None else _load_app()
        warm_imports()  # before any of the stack's threads can import on first use
        server = make_server(the_app, host, port, web_dir)
        http_port = server.server.server_address[1]
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "localhost") else host
        url = f"http://{shown_host}:{http_port}"

        endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        if not endpoint and os.environ.get("LOCALSTACK") == "1":
            from localstack_client import config as ls_config

            endpoint = ls_config.get_service_endpoint("sqs")
        if endpoint:
            endpoint = endpoint.rstrip("/")
            if os.environ.get("LOCALSTACK") != "1":
                enable_sfn_execution(endpoint, required=False)
        elif moto_process:
            endpoint = moto_child.enter_context(moto_subprocess(host))
            enable_sfn_execution(endpoint, required=True)
        else:
            moto_server, moto_port = start_moto_server(host, 0)
            endpoint = f"http://{host}:{moto_port}"
            enable_sfn_execution(endpoint, required=True)
        os.environ["AWS_ENDPOINT_URL"] = endpoint

        outputs = provision(
            stack,
            endpoint_url=endpoint,
            web_origin=[url, f"http://127.0.0.1:{http_port}"],
        )
        env = r.environment(outputs, public_base_url=url)
        # The local stack pays through the VNPay simulator and auto-confirms sign-ups (demo only).
        env.setdefault("VNPAY_SIMULATOR", "true")
        env.setdefault("AUTO_CONFIRM_SIGNUP", "true")
        env.setdefault("LOCAL_MAIL", "true")  # reset codes to the outbox; /api/local/mailbox
        env.setdefault("API_BASE_URL", url)
        # One page-cursor key and one VNeID-session key for every process of this run
        # (chalicelib.store.cursor, chalicelib.services.identity.sessions), as the template's
        # secrets are one per stack.
        for variable in ("CURSOR_SIGNING_KEY", "SESSION_SIGNING_KEY"):
            env.setdefault(variable, os.environ.get(variable) or secrets.token_urlsafe(48))
        if not os.environ.get("TSA_URL"):  # the test PKI: root CA, TSA and CRLs over HTTP
            from infra.local.pki_server import local_pki

            env.update(local_pki().environment())
        if not os.environ.get("VNEID_ISSUER"):
            twin = _start_vneid_twin(moto_child, [f"{url}/", f"http://127.0.0.1:{http_port}/"])
            if twin is not None:
                env.update(twin.env())
        if not os.environ.get("NATIONAL_PORTAL_URL"):
            portal, portal_env = _start_twin_portal(  # the pump is in-process
                "127.0.0.1",
                f"http://127.0.0.1:{http_port}",
                endpoint,
                outputs.region,
                stack,
                Path(data_dir) if data_dir is not None else None,
            )
            env.update(portal_env)
        os.environ.update(env)
        reset_app_caches()
        log.info("moto endpoint %s; JWKS %s", endpoint, outputs.jwks_url)

        accounts = _load_demo(Path(data_dir) if data_dir is not None else None, outputs)

        import boto3

        sqs = boto3.session.Session().client(
            "sqs", region_name=outputs.region, endpoint_url=endpoint
        )
        pump = EventPump(
            the_app,
            outputs,
            r.definition(stack),
            sqs,
            retry_delay_seconds=retry_delay_seconds,
            pollers=pump_pollers,
        )
        if background_pump:
            pump.start()
        server_thread = threading.Thread(
            target=server.server.serve_forever, name="http", kwargs={"poll_interval": 0.2}
        )
        server_thread.daemon = True
        server_thread.start()
        yield RunningStack(url, endpoint, outputs, accounts, pump, the_app, env, portal)
    finally:
        if pump is not None:
            pump.stop()
        if portal is not None:
            portal.stop()
        if server is not None:
            if server_thread is not None:
                server.server.shutdown()
            server.server.server_close()
        if moto_server is not None:
            moto_server.stop()
        moto_child.close()
        os.environ.clear()
        os.environ.update(saved_env)
        reset_app_caches()
