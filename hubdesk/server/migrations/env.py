"""Alembic environment for the server database (engine passed in by ``db.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from hubdesk.server import models  # noqa: F401  (registers the tables)
from hubdesk.server.models import ServerBase

config = context.config
target_metadata = ServerBase.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
