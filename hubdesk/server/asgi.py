"""The app for a worker process started by uvicorn's process manager.

``hubdesk-server serve --workers N`` migrates and seeds the database once, then
uvicorn starts N workers, each calling :func:`app_from_environment` (its own
engine and connection pool).  Nothing in a worker's memory decides correctness:
dedupe, replay answers and sequence progress live in the database, so any worker
(on any machine) may answer any request, and a worker may die at any moment.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hubdesk.server.app import create_app
from hubdesk.server.db import DB_ENV, make_engine

#: connections in each worker's PostgreSQL pool (``serve --pool-size``)
POOL_ENV = "HUBDESK_SERVER_POOL_SIZE"


def app_from_environment() -> FastAPI:
    """A worker's app over ``HUBDESK_SERVER_DB`` (already migrated by the parent)."""
    url = os.environ[DB_ENV]
    pool = os.environ.get(POOL_ENV)
    engine = make_engine(url, pool_size=int(pool) if pool else None)
    app = create_app(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()  # after the last request in hand has been answered

    app.router.lifespan_context = lifespan
    return app
