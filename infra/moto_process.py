"""The local cloud (moto server) in a process of its own: `python -m infra.moto_process`.

In one process, moto (DynamoDB, Step Functions' interpreter, SQS, S3) and the API share one GIL, so
a machine's second core sits idle under load. The load bench (`bench/load.py`) therefore runs the
moto server here, with the same patches as the in-process server (`infra.moto_server`, every patch
of `infra.moto_patches`), and the API, event pump and driver in its own process.
`running_stack(moto_process=True)` starts and stops it; it prints `port <n>` once it listens and
stops on SIGTERM or when its stdin closes (so it never outlives its parent).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

from infra import resources as r
from infra.moto_server import start_moto_server


def serve(host: str, port: int) -> None:
    server, bound = start_moto_server(host, port)
    print(f"port {bound}", flush=True)
    sys.stdout = sys.stderr  # nobody reads the pipe after the port: later prints must not fill it
    closed = threading.Event()

    def watch_stdin() -> None:
        with contextlib.suppress(Exception):
            sys.stdin.read()
        closed.set()

    threading.Thread(target=watch_stdin, name="parent", daemon=True).start()
    try:
        closed.wait()
    finally:
        server.stop()


@contextlib.contextmanager
def moto_subprocess(host: str = "127.0.0.1") -> Iterator[str]:
    """Start the server process; yield its endpoint; stop it on exit."""
    env = dict(os.environ)
    env.setdefault("AWS_ACCESS_KEY_ID", "testing")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.moto_process", "--host", host],
        cwd=str(r.ROOT),
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("port "):
            raise RuntimeError(f"the moto process did not start (exit {proc.poll()}): {line!r}")
        yield f"http://{host}:{int(line.split()[1])}"
    finally:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m infra.moto_process")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    a = p.parse_args(argv)
    serve(a.host, a.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
