"""The local cloud: a moto server with every patch of `infra.moto_patches`, in this process.

`running_stack()` starts one in a thread (`make run`); `infra.moto_process` starts one in a process
of its own (the load bench and the browser tests).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from infra.moto_patches import apply_all


def start_moto_server(host: str, port: int) -> tuple[Any, int]:
    """A patched ThreadedMotoServer in this process, started; returns it and its port."""
    from moto.server import ThreadedMotoServer

    apply_all()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound = int(server.get_host_and_port()[1])
    # moto's ASL interpreter calls the other services at localhost:$MOTO_PORT.
    os.environ["MOTO_PORT"] = str(bound)
    return server, bound
