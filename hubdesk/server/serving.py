"""``hubdesk-server serve``: one process, or N workers under uvicorn's process manager.

With ``--workers N`` uvicorn binds the socket once and starts N worker processes
(``asgi.app_from_environment``) that share it; a worker that dies is replaced.
On SIGTERM or SIGINT every worker stops accepting, finishes the requests in hand
(a batch being stored commits or rolls back as one transaction) within
``graceful_timeout`` seconds, and exits.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine
from uvicorn.supervisors import Multiprocess

from hubdesk.server.asgi import POOL_ENV
from hubdesk.server.db import DB_ENV
from hubdesk.server.errors import AdminError
from hubdesk.server.http_timeouts import IDLE_TIMEOUT_S, TimedH11Protocol
from hubdesk.server.logs import logging_config
from hubdesk.server.metrics_env import MULTIPROCESS_ENV, fresh_metrics_folder

#: connections one worker serves at once; more are answered 503 at once
MAX_CONNECTIONS_PER_WORKER = 1000


@dataclass(frozen=True)
class TlsOptions:
    """``--certfile``/``--keyfile``, or ``--behind-tls-proxy`` (a proxy in front
    terminates TLS and is trusted for the client's address: X-Forwarded-For)."""

    certfile: Path | None = None
    keyfile: Path | None = None
    behind_proxy: bool = False
    trusted_proxies: str = "127.0.0.1"

    @property
    def scheme(self) -> str:
        return "https" if self.certfile else "http"


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport_security(host: str, tls: TlsOptions) -> None:
    """Refuse to serve plain HTTP on a non-loopback address (device tokens and
    records would cross the network in the clear), unless a TLS proxy is in front."""
    if bool(tls.certfile) != bool(tls.keyfile):
        raise AdminError("give both --certfile and --keyfile")
    if tls.certfile and tls.keyfile:
        for path in (tls.certfile, tls.keyfile):
            if not path.is_file():
                raise AdminError(f"cannot read {path}")
        return
    if not is_loopback(host) and not tls.behind_proxy:
        raise AdminError(
            f"refusing to serve plain HTTP on {host}: give --certfile and --keyfile, or "
            "--behind-tls-proxy when a TLS-terminating proxy is in front (see docs/deploy.md)")


def _announce(sock: socket.socket, scheme: str = "http") -> None:
    bound_host, bound_port = sock.getsockname()[:2]
    print(f"hubdesk-server listening on {scheme}://{bound_host}:{bound_port}", flush=True)


def tcp_marked(sock: socket.socket) -> socket.socket:
    """The listening socket, with its protocol number set to TCP's.

    ``uvicorn.Config.bind_socket`` leaves it at 0; each worker's connections inherit
    it, and asyncio turns Nagle's algorithm off only on connections marked TCP.  With
    it on, an answer's body waited for the client's delayed acknowledgement of its
    headers: ~40 ms a request on a kept-alive connection (uvicorn issue 3149;
    ``tests/server/test_keep_alive.py``).  The same descriptor, re-wrapped."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto:
        return sock
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def server_options(host: str, port: int, tls: TlsOptions, *, log_level: str,
                   log_format: str, graceful_timeout: int) -> dict[str, Any]:
    """uvicorn's settings: TLS or trusted proxy, header and idle time-outs, a cap on
    connections per worker."""
    options: dict[str, Any] = {
        "host": host, "port": port, "log_level": log_level,
        "log_config": logging_config(log_format, log_level), "access_log": False,
        "server_header": False, "timeout_graceful_shutdown": graceful_timeout,
        "http": TimedH11Protocol, "timeout_keep_alive": IDLE_TIMEOUT_S,
        "limit_concurrency": MAX_CONNECTIONS_PER_WORKER,
        # the caller's address (rate limits) from X-Forwarded-For of trusted proxies only
        "proxy_headers": True, "forwarded_allow_ips": tls.trusted_proxies,
    }
    if tls.certfile and tls.keyfile:
        options.update(ssl_certfile=str(tls.certfile), ssl_keyfile=str(tls.keyfile))
    return options


def serve_workers(engine: Engine, url: str, host: str, port: int, *, workers: int,
                  pool_size: int | None, log_level: str, log_format: str,
                  graceful_timeout: int, tls: TlsOptions | None = None) -> int:
    """Serve until stopped; ``engine`` is the parent's (migrated, seeded) engine."""
    tls = tls or TlsOptions()
    check_transport_security(host, tls)
    options = server_options(host, port, tls, log_level=log_level, log_format=log_format,
                             graceful_timeout=graceful_timeout)
    if workers == 1:
        return _serve_one(engine, options, tls.scheme)
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
        sock = tcp_marked(config.bind_socket())
        _announce(sock, tls.scheme)
        Multiprocess(config, sockets=[sock]).run()
    finally:
        if made_folder:
            shutil.rmtree(made_folder, ignore_errors=True)
    return 0


def _serve_one(engine: Engine, options: dict[str, Any], scheme: str) -> int:
    from hubdesk.server.app import create_app, settle_startup_objects

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            for server in self.servers:
                for sock in server.sockets:
                    _announce(sock, scheme)

    config = uvicorn.Config(create_app(engine), **options)
    settle_startup_objects()
    AnnouncingServer(config).run()
    return 0
