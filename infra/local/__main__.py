"""The whole system on one laptop: `make run` = `python -m infra.local [--port 8000] [--data DIR]`.

Prints the URL and the demo accounts, then runs the stack (`infra.local.stack.running_stack`)
until Ctrl-C (SIGINT) or SIGTERM.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra import resources as r
from infra.local.stack import DEFAULT_DATA_DIR, running_stack

DEFAULT_PORT = 8000


def _accounts_table(accounts: Sequence[Mapping[str, Any]]) -> str:
    cols = [
        c for c in ("username", "password", "role", "unit", "name") if any(c in a for a in accounts)
    ]
    rows = [[str(a.get(c) or "") for c in cols] for a in accounts]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(("  " + line).rstrip() for line in lines)


class _SignalWaiter:
    """Turns SIGINT/SIGTERM into a clean stop, without a Python signal handler.

    The signals are blocked before any thread starts (threads inherit the mask) and taken by one
    watcher thread with sigwait, so no thread is interrupted mid-work (no KeyboardInterrupt
    tracebacks) and no signal is lost to a thread that does not look. The first signal asks for
    a stop (even during start-up); a second one ends the process at once. Windows falls back to
    a handler.
    """

    SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})

    def __init__(self) -> None:
        self.stop = threading.Event()
        if hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait"):
            signal.pthread_sigmask(signal.SIG_BLOCK, self.SIGNALS)
            threading.Thread(target=self._watch, name="signals", daemon=True).start()
        else:  # pragma: no cover - Windows
            for sig in self.SIGNALS:
                signal.signal(sig, lambda signum, frame: self.stop.set())

    def _watch(self) -> None:
        signal.sigwait(self.SIGNALS)
        self.stop.set()
        signal.sigwait(self.SIGNALS)
        print("Forced exit.", file=sys.stderr, flush=True)
        os._exit(130)

    def wait(self) -> None:
        while not self.stop.wait(0.5):
            pass


def main(argv: list[str] | None = None) -> int:
    """Run the local stack until Ctrl-C (SIGINT) or SIGTERM."""
    p = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="demo data folder")
    p.add_argument("--no-demo", action="store_true", help="load no demo data")
    p.add_argument("--stack", default=r.DEFAULT_STACK)
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args(argv)
    waiter = _SignalWaiter()  # before any thread starts
    logging.basicConfig(
        level=logging.DEBUG if a.verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    try:
        with running_stack(
            port=a.port,
            data_dir=None if a.no_demo else a.data,
            host=a.host,
            stack=a.stack,
        ) as s:
            banner = ["", f"  Open {s.url}/", "  (Ctrl-C stops the stack)", ""]
            if s.portal is not None:
                banner += [
                    f"  National portal twin (Cổng DVCQG): {s.portal.page_url}",
                    "  submit there, or: python -m infra.twins.national_portal submit "
                    f"--twin {s.portal.page_url} --procedure 2.001610 --unit H33.50 ...",
                    "",
                ]
            if s.accounts:
                banner += ["  Demo accounts:", _accounts_table(s.accounts), ""]
            if s.environment.get("VNEID_ISSUER"):
                from infra.twins.vneid_twin import demo_citizens

                people = [
                    {
                        "username": c["so_dinh_danh"],
                        "password": c["password"],
                        "role": f"VNeID mức {c['acr'][-1]}"
                        + (" (tổ chức)" if c.get("kind") == "organisation" else ""),
                        "name": c["name"],
                    }
                    for c in demo_citizens()
                ]
                banner += [
                    f"  VNeID (local twin {s.environment['VNEID_ISSUER']}): "
                    "'Đăng nhập bằng VNeID' on the sign-in page",
                    _accounts_table(people),
                    "",
                ]
            print("\n".join(banner), flush=True)
            waiter.wait()
            print("Stopping…", flush=True)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, 48):  # 48: EADDRINUSE on macOS
            print(f"Port {a.port} is in use: try --port {a.port + 1}", file=sys.stderr)
            return 1
        raise
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
