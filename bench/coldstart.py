"""Cold start: wall time of `import app` against importing its dependencies alone.

Each sample is a fresh interpreter (as a new Lambda container would be), alternating the two
commands so machine noise hits both. Prints the medians and their ratio (target <= 1.25).
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


def main(argv: list[str] | None = None) -> int:
    global RUNS
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="?", type=int, default=RUNS, help="samples per side")
    ap.add_argument("--smoke", action="store_true", help="one sample per side (make test)")
    args = ap.parse_args(argv)
    RUNS = 1 if args.smoke else args.runs
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
