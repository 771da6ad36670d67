"""``hubdesk-server serve``: one process, or N workers under uvicorn's process manager.

With ``--workers N`` uvicorn binds the socket once and starts N worker processes
(``asgi.app_from_environment``) that share it; a worker that dies is replaced.
On SIGTERM or SIGINT every worker stops accepting, finishes the requests in hand
(a batch being stored commits or rolls back as one transaction) within
``graceful_timeout`` seconds, and exits.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from typing import Any

import uvicorn
from sqlalchemy import Engine
from uvicorn.supervisors import Multiprocess

from hubdesk.server.asgi import POOL_ENV
from hubdesk.server.db import DB_ENV
from hubdesk.server.logs import logging_config
from hubdesk.server.metrics_env import MULTIPROCESS_ENV, fresh_metrics_folder


def _announce(sock: socket.socket) -> None:
    bound_host, bound_port = sock.getsockname()[:2]
    print(f"hubdesk-server listening on http://{bound_host}:{bound_port}", flush=True)


def serve_workers(engine: Engine, url: str, host: str, port: int, *, workers: int,
                  pool_size: int | None, log_level: str, log_format: str,
                  graceful_timeout: int) -> int:
    """Serve until stopped; ``engine`` is the parent's (migrated, seeded) engine."""
    options: dict[str, Any] = {
        "host": host, "port": port, "log_level": log_level,
        "log_config": logging_config(log_format, log_level), "access_log": False,
        "server_header": False, "timeout_graceful_shutdown": graceful_timeout,
    }
    if workers == 1:
        return _serve_one(engine, options)
    engine.dispose()  # each worker opens its own engine and pool
    os.environ[DB_ENV] = url
    if pool_size:
        os.environ[POOL_ENV] = str(pool_size)
    made_folder = None
    if not os.environ.get(MULTIPROCESS_ENV):
        made_folder = tempfile.mkdtemp(prefix="hubdesk-metrics-")
        os.environ[MULTIPROCESS_ENV] = made_folder
    else:
        fresh_metrics_folder(os.environ[MULTIPROCESS_ENV])
    try:
        config = uvicorn.Config("hubdesk.server.asgi:app_from_environment", factory=True,
                                workers=workers, **options)
        sock = config.bind_socket()
        _announce(sock)
        Multiprocess(config, sockets=[sock]).run()
    finally:
        if made_folder:
            shutil.rmtree(made_folder, ignore_errors=True)
    return 0


def _serve_one(engine: Engine, options: dict[str, Any]) -> int:
    from hubdesk.server.app import create_app

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            for server in self.servers:
                for sock in server.sockets:
                    _announce(sock)

    AnnouncingServer(uvicorn.Config(create_app(engine), **options)).run()
    return 0
