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
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 15

# What app.py pulls in from third parties at import time (boto3 is what every Lambda needs too).
DEPENDENCIES = (
    "import boto3, chalice.app, pydantic, email_validator; "
    "import aws_lambda_powertools.logging, aws_lambda_powertools.metrics"
)
APP = "import app"


def sample(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def main() -> None:
    sample(APP)  # warm the OS file cache and byte-code for both sides
    sample(DEPENDENCIES)
    deps, app = [], []
    for _ in range(RUNS):
        deps.append(sample(DEPENDENCIES))
        app.append(sample(APP))
    d, a = statistics.median(deps), statistics.median(app)
    print(f"runs per side        {RUNS}")
    print(f"dependencies alone   median {d * 1000:7.1f} ms")
    print(f"import app           median {a * 1000:7.1f} ms")
    print(f"ratio app/deps       {a / d:7.2f}   (target <= 1.25)")


if __name__ == "__main__":
    main()
