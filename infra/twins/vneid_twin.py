"""Start and steer the VNeID twin (infra/twins/vneid: panva's oidc-provider on Node).

`vneid_twin(...)` runs `node server.mjs` on a free loopback port and yields a `VneidTwin` (its
issuer, client id and secret, the demo citizens) until the block ends; `set_mode()` tells it to be
down, slow or to sign ID tokens badly. `ensure_node_modules()` runs `npm ci` when the folder has no
node_modules yet (a fresh clone), so `make run` and the tests work without a manual step.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import threading
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TWIN_DIR = Path(__file__).resolve().parent / "vneid"
READY = "VNEID_TWIN_READY "
MODES = ("ok", "down", "slow", "bad_signature")


class TwinUnavailable(RuntimeError):
    """Node or the twin's packages are not there (the caller may run without VNeID)."""


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def ensure_node_modules(twin_dir: Path = TWIN_DIR) -> None:
    """`npm ci` once, when the lockfile's packages are not installed yet."""
    if (twin_dir / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    if not node_available():
        raise TwinUnavailable("node and npm are needed for the VNeID twin")
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=twin_dir,
        check=True,
        timeout=300,
    )


def demo_citizens(twin_dir: Path = TWIN_DIR) -> list[dict[str, Any]]:
    """The twin's demo accounts (ID number, password, name, level)."""
    doc = json.loads((twin_dir / "accounts.json").read_text(encoding="utf-8"))
    return list(doc["accounts"])


@dataclass
class VneidTwin:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    process: subprocess.Popen[str] = field(repr=False)
    log_path: Path = field(repr=False)

    def set_mode(self, mode: str, delay_ms: int | None = None) -> dict[str, Any]:
        """ok | down | slow (answers after delay_ms) | bad_signature (ID tokens' signatures
        broken at the token endpoint)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        body: dict[str, Any] = {"mode": mode}
        if delay_ms is not None:
            body["delay_ms"] = delay_ms
        req = urllib.request.Request(
            f"{self.issuer}/__twin/mode",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            answer: dict[str, Any] = json.loads(resp.read())
        return answer

    def env(self) -> dict[str, str]:
        """What the app needs to use this twin."""
        return {
            "VNEID_ISSUER": self.issuer,
            "VNEID_CLIENT_ID": self.client_id,
            "VNEID_CLIENT_SECRET": self.client_secret,
        }


@contextlib.contextmanager
def vneid_twin(
    redirect_uris: Sequence[str],
    post_logout_uris: Sequence[str] = (),
    *,
    client_id: str = "tthc-local",
    host: str = "127.0.0.1",
    port: int = 0,
    start_timeout: float = 20.0,
) -> Iterator[VneidTwin]:
    """Run the twin until the block ends (SIGTERM, then kill after 5 s)."""
    ensure_node_modules()
    secret = secrets.token_urlsafe(32)  # a new client secret every start, never in the repo
    env = {
        **os.environ,
        "VNEID_HOST": host,
        "VNEID_PORT": str(port),
        "VNEID_CLIENT_ID": client_id,
        "VNEID_CLIENT_SECRET": secret,
        "VNEID_REDIRECT_URIS": ",".join(redirect_uris),
        "VNEID_POST_LOGOUT_URIS": ",".join(post_logout_uris or redirect_uris),
    }
    log_fd, log_name = tempfile.mkstemp(prefix="vneid-twin-", suffix=".log")
    log_file = os.fdopen(log_fd, "w")
    proc = subprocess.Popen(
        ["node", str(TWIN_DIR / "server.mjs")],
        cwd=TWIN_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
            log_file.write(line)
            log_file.flush()

    threading.Thread(target=pump, name="vneid-twin-out", daemon=True).start()
    try:
        issuer = ""
        while not issuer:
            try:
                line = lines.get(timeout=start_timeout)
            except queue.Empty:
                raise TwinUnavailable(f"the VNeID twin did not start (see {log_name})") from None
            if line.startswith(READY):
                issuer = line[len(READY) :].strip()
        yield VneidTwin(issuer, client_id, secret, proc, Path(log_name))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log_file.close()
