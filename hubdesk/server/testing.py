"""Helpers for tests (ours and the client's): a real server on an ephemeral port,
and a private PostgreSQL cluster.

    from hubdesk.server.testing import live_server, run_server, postgres_cluster

    with run_server(f"sqlite:///{tmp_path / 'server.sqlite3'}") as base_url:
        ...                                    # "http://127.0.0.1:<port>"

    with live_server(tmp_path) as server:      # fresh SQLite DB and one hub
        code = server.enrol_code()             # one-time code for server.hub_id
        server.edit_record("visit", record_id, {"note": "checked"})

The server runs under uvicorn in a daemon thread of the calling process, on
127.0.0.1 only, and is stopped when the ``with`` block ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine

from hubdesk.server import admin
from hubdesk.server.app import create_app
from hubdesk.server.bootstrap import open_database
from hubdesk.server.http_timeouts import IDLE_TIMEOUT_S, TimedH11Protocol

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
               "/usr/lib/postgresql/17/bin")


@contextmanager
def serve_engine(engine: Engine, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the app over ``engine`` in a thread; yields the base URL."""
    config = uvicorn.Config(create_app(engine), host=host, port=port, log_level="warning",
                            access_log=False, lifespan="off", server_header=False,
                            http=TimedH11Protocol, timeout_keep_alive=IDLE_TIMEOUT_S)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="hubdesk-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def run_server(db_url: str) -> Iterator[str]:
    """Open (migrating) ``db_url`` and serve it on 127.0.0.1:<free port>; yields the base URL."""
    engine = open_database(db_url)
    try:
        with serve_engine(engine) as base_url:
            yield base_url
    finally:
        engine.dispose()


@dataclass
class LiveServer:
    """A running test server, its database and one hub, with admin shortcuts."""

    base_url: str
    db_url: str
    engine: Engine
    hub_id: str

    def enrol_code(self, hub: str | None = None, valid_days: int = 7) -> str:
        return admin.create_enrol_code(self.engine, hub or self.hub_id, valid_days)

    def create_hub(self, name: str, district: str = "Test district") -> str:
        return admin.create_hub(self.engine, name, district)

    def edit_record(self, kind: str, record_id: str, changes: Mapping[str, Any],
                    **options: Any) -> admin.ServerEdit:
        return admin.edit_record(self.engine, kind, record_id, changes, **options)

    def erase_record(self, kind: str, record_id: str) -> int:
        return admin.erase_record(self.engine, kind, record_id)

    def revoke_device(self, device_id: str) -> None:
        admin.revoke_device(self.engine, device_id)

    def reinstate_device(self, device_id: str) -> None:
        admin.reinstate_device(self.engine, device_id)

    def recovery_code(self, device_id: str) -> str:
        return admin.create_recovery_code(self.engine, device_id)

    def stats(self) -> dict[str, Any]:
        return admin.stats(self.engine)


@contextmanager
def live_server(folder: Path | None = None, *, db_url: str | None = None,
                hub_name: str = "Test Hub") -> Iterator[LiveServer]:
    """A fresh server (SQLite in ``folder`` unless ``db_url``) with one hub."""
    if db_url is None:
        if folder is None:
            raise ValueError("live_server needs a folder or a db_url")
        folder.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{folder / 'hubdesk-server.sqlite3'}"
    engine = open_database(db_url)
    try:
        hub_id = admin.create_hub(engine, hub_name, "Test district")
        with serve_engine(engine) as base_url:
            yield LiveServer(base_url, db_url, engine, hub_id)
    finally:
        engine.dispose()


# --- the server as its own program (several workers) ------------------------------


@dataclass
class ServerProcess:
    """``hubdesk-server serve`` running as a subprocess (its parent process)."""

    url: str
    process: subprocess.Popen[bytes]
    cafile: Path | None = None  # the certificate to trust when it serves HTTPS

    def worker_pids(self) -> list[int]:
        """The worker processes uvicorn's process manager runs now (Linux /proc)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            pids = [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []
        return [pid for pid in pids if _is_worker(pid)]

    def ready(self) -> bool:
        import httpx

        verify = ssl.create_default_context(cafile=str(self.cafile)) if self.cafile else True
        try:
            return httpx.get(f"{self.url}/v1/ready", timeout=5,
                             verify=verify).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, workers: int, timeout: float = 90) -> None:
        """Until ``workers`` workers run and the server answers ready (one worker is the
        parent process itself)."""
        deadline = time.monotonic() + timeout
        wanted = workers if workers > 1 else 0
        while not (len(self.worker_pids()) >= wanted and self.ready()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server's workers did not become ready")
            time.sleep(0.2)


@contextmanager
def server_process(db_url: str, workers: int = 1, *, extra_args: tuple[str, ...] = (),
                   env: Mapping[str, str] | None = None, stderr: Path | None = None,
                   cafile: Path | None = None) -> Iterator[ServerProcess]:
    """Run ``python -m hubdesk.server --db URL serve --port 0 --workers N``; yields it
    once ready, and stops it (SIGTERM, as an init system would) at the end."""
    command = [sys.executable, "-m", "hubdesk.server", "--db", db_url, "serve", "--port", "0",
               "--workers", str(workers), *extra_args]
    error_file = open(stderr, "wb") if stderr else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=error_file,
                               env={**os.environ, **(env or {})})
    try:
        assert process.stdout is not None
        line = _read_line(process.stdout, timeout=60)
        if "listening on " not in line:
            raise RuntimeError(f"the server did not start: {line!r}")
        running = ServerProcess(line.split("listening on ", 1)[1].strip(), process, cafile)
        running.wait_ready(workers)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if stderr:
            error_file.close()  # type: ignore[union-attr]


def _is_worker(pid: int) -> bool:
    """A running spawned worker: not multiprocessing's resource tracker (also a child),
    and not a killed worker that the process manager has yet to reap (a zombie, which
    it may take its health-check time-out to notice)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]  # the field after "(command name)"
    return state != "Z" and b"resource_tracker" not in command


def _read_line(stream: Any, timeout: float) -> str:
    found: list[bytes] = []
    reader = threading.Thread(target=lambda: found.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0].decode("utf-8", "replace") if found else ""


# --- PostgreSQL -------------------------------------------------------------------


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_pg_bin() -> Path | None:
    for folder in PG_BIN_DIRS:
        if (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


@dataclass
class PostgresCluster:
    """A private cluster on 127.0.0.1 (trust auth, fsync off: for tests only)."""

    port: int
    folder: Path
    _counter: list[int] = field(default_factory=lambda: [0])

    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are cut, as when the database dies)."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        self._pg_ctl("-o", _pg_options(self.port, self.folder), "-w", "-t", "60",
                     "-l", str(self.folder / "postgres.log"), "start")

    def _pg_ctl(self, *args: str) -> None:
        bin_dir = find_pg_bin()
        assert bin_dir is not None
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(self.folder / "data"),
                                     *args]), check=True, capture_output=True, timeout=90)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        self._counter[0] += 1
        name = name or f"hubdesk_test_{os.getpid()}_{self._counter[0]}"
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


def _pg_options(port: int, folder: Path) -> str:
    return (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:  # initdb refuses to run as root
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """initdb + pg_ctl start in a temporary folder on a free port; stopped on exit.

    Raises PostgresUnavailable when the binaries are absent.
    """
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL server binaries (pg_ctl, initdb) not found")
    folder = Path(tempfile.mkdtemp(prefix="hubdesk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    port = free_port()
    subprocess.run(
        _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]),
        check=True, capture_output=True, timeout=120,
    )
    subprocess.run(
        _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", _pg_options(port, folder),
                      "-w",
                      "-t", "60", "-l", str(folder / "postgres.log"), "start"]),
        check=True, capture_output=True, timeout=90,
    )
    try:
        yield PostgresCluster(port, folder)
    finally:
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                          "stop"]),
            capture_output=True, timeout=60, check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)
