"""Cold start: wall time of `import app` against importing its dependencies alone.

Each sample is a fresh interpreter (as a new Lambda container would be), alternating the two
commands so machine noise hits both. Prints the medians and their ratio (target <= 1.25).

`--requests`: the first request of a cold process, against its dependency floor, side by side.
A local stack (moto server over HTTP, demo data) is started; each sample is a new interpreter
that imports app.py and answers one request through Chalice's handler (the first public lookup,
the first citizen read, the first accept of a fresh submitted dossier), timed from interpreter
start to the answer. Its floor is a new interpreter that only imports every module that request
loaded and creates the boto3 clients it used, without calling them. Bytecode precompiled.
Target: ratio <= 1.3.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# As a script, bench/ is first on sys.path, where bench/requests.py would shadow the `requests`
# library (moto imports it): the repository root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
RUNS = 15

APP = "import app"
OWN = ("app", "chalicelib", "infra")
THIRD = (
    "chalice",
    "pydantic",
    "pydantic_core",
    "email_validator",
    "aws_lambda_powertools",
    "boto3",
    "botocore",
    "jwt",
    "jsonschema",
    "holidays",
    "fpdf",
    "qrcode",
    "PIL",
)


def dependency_modules() -> list[str]:
    """Every module `import app` loads that is not ours: exactly its dependencies' import cost."""
    probe = (
        "import sys; before = set(sys.modules); import app; "
        "print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    return [m for m in out if m.split(".")[0] not in OWN and not m.startswith("_")]


def sample(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def precompile() -> None:
    """Ship-ready bytecode for our code, as the dependencies already have from pip.

    Lambda's file system is read-only, so a package without .pyc compiles every module at each cold
    start; the deployment (infra) precompiles. Without it the ratio is also printed, for honesty.
    """
    import compileall

    compileall.compile_file(str(ROOT / "app.py"), quiet=1)
    compileall.compile_dir(str(ROOT / "chalicelib"), quiet=1)


def measure(app_code: str, deps_code: str) -> tuple[float, float]:
    sample(app_code)  # warm the OS file cache for both sides
    sample(deps_code)
    deps, app = [], []
    for _ in range(RUNS):
        deps.append(sample(deps_code))
        app.append(sample(app_code))
    return statistics.median(deps), statistics.median(app)


REQUEST_CHILD = r"""
import json, os, sys, time
start = time.perf_counter()
spec = json.loads(sys.argv[1])
from chalice.test import Client
import app
from chalicelib import aws
used = []
original = aws.client
def metered(service):
    if service not in used:
        used.append(service)
    return original(service)
aws.client = metered
with Client(app.app) as client:
    r = getattr(client.http, spec["method"])(
        spec["path"], headers=spec["headers"], body=spec.get("body", "").encode()
    )
elapsed = time.perf_counter() - start
mods = sorted(m for m in sys.modules if not m.startswith("_"))
print(json.dumps({"status": r.status_code, "ms": elapsed * 1000, "modules": mods, "clients": used}))
"""

FLOOR_CHILD = r"""
import json, sys, time
start = time.perf_counter()
spec = json.loads(sys.argv[1])
import importlib
for m in spec["modules"]:
    try:
        importlib.import_module(m)
    except Exception:
        pass
from chalicelib import aws
for service in spec["clients"]:
    aws.client(service)
print(json.dumps({"ms": (time.perf_counter() - start) * 1000}))
"""


def _child(code: str, arg: dict[str, object], env: dict[str, str]) -> tuple[float, dict]:
    import json

    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(arg)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    wall = time.perf_counter() - start
    return wall * 1000, json.loads(out.strip().splitlines()[-1])


def requests_mode(runs: int) -> int:
    """The first lookup, citizen read and accept of a cold process against their floor."""
    import json
    import os
    import uuid

    from bench.load import CITIZENS, DEMO, PROCEDURE, Api, Driver, demo_accounts
    from infra.local.stack import running_stack

    precompile()
    with running_stack(port=0, data_dir=DEMO, background_pump=False) as stack:
        accounts = demo_accounts(stack.accounts)
        api = Api(stack.url, accounts)
        from chalicelib.services.deps import get_deps

        procedure = api.call("procedure", "GET", f"/api/procedures/{PROCEDURE}", None).body
        form = json.loads((DEMO / "form_examples.json").read_text("utf-8"))[PROCEDURE]
        driver = Driver(api, get_deps().store, procedure, form, time.monotonic() + 600)
        fresh = [driver.submit(i) for i in range(runs + 1)]
        first = fresh.pop()
        accepted = api.call(
            "accept",
            "POST",
            f"/api/desk/dossiers/{first}/accept",
            "motcua",
            {"fee_collected": True, "fee_method": "cash", "receipt_no": "BL-1"},
        )
        code = accepted.body["code"]
        env = dict(os.environ)

        def spec(kind: str) -> dict[str, object]:
            if kind == "public lookup":
                return {"method": "get", "path": f"/api/lookup/{code}", "headers": {}}
            if kind == "citizen read":
                token = api.token(CITIZENS[runs % len(CITIZENS)])  # who submitted `first`
                return {
                    "method": "get",
                    "path": f"/api/my/dossiers/{first}",
                    "headers": {"Authorization": f"Bearer {token}"},
                }
            token = api.token("motcua")
            return {
                "method": "post",
                "path": f"/api/desk/dossiers/{fresh.pop()}/accept",
                "headers": {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": uuid.uuid4().hex,
                },
                "body": json.dumps(
                    {"fee_collected": True, "fee_method": "cash", "receipt_no": "BL-2"}
                ),
            }

        print(
            f"{'first request':<16} {'status':>6} {'cold ms':>8} {'floor ms':>9} {'ratio':>6}"
            "  (target <= 1.3; floor: interpreter + its imports + its boto3 clients)"
        )
        for kind in ("public lookup", "citizen read", "accept"):
            colds, floors, status = [], [], 0
            for _ in range(runs):
                wall, got = _child(REQUEST_CHILD, spec(kind), env)
                status = int(got["status"])
                floor_wall, _ = _child(
                    FLOOR_CHILD, {"modules": got["modules"], "clients": got["clients"]}, env
                )
                colds.append(wall)
                floors.append(floor_wall)
            c, f = statistics.median(colds), statistics.median(floors)
            print(f"{kind:<16} {status:>6} {c:>8.0f} {f:>9.0f} {c / f:>6.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    global RUNS
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="?", type=int, default=RUNS, help="samples per side")
    ap.add_argument("--smoke", action="store_true", help="one sample per side (make test)")
    ap.add_argument("--requests", action="store_true", help="first requests of a cold process")
    args = ap.parse_args(argv)
    RUNS = 1 if args.smoke else args.runs
    if args.requests:
        return requests_mode(1 if args.smoke else min(RUNS, 5))
    mods = dependency_modules()
    tops = sorted({m.split(".")[0] for m in mods})
    deps_code = f"import importlib\nfor m in {mods!r}:\n    importlib.import_module(m)"
    print(f"third-party packages imported by app.py: {', '.join(t for t in tops if t in THIRD)}")
    print(f"runs per side        {RUNS}")
    if not args.smoke:
        d, a = measure(APP, deps_code)
        print(
            f"source only (no .pyc for our code): deps {d * 1000:6.1f} ms, app {a * 1000:6.1f} ms,"
            f" ratio {a / d:5.2f}"
        )
    precompile()
    d, a = measure(APP, deps_code)
    print(f"dependencies alone   median {d * 1000:7.1f} ms")
    print(f"import app           median {a * 1000:7.1f} ms   (bytecode precompiled, as shipped)")
    print(f"ratio app/deps       {a / d:7.2f}   (target <= 1.25)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
