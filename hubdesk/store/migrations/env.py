"""Alembic environment for the local store (engine passed in by the app)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from hubdesk.store import models  # noqa: F401  (registers the tables)
from hubdesk.store.base import Base

config = context.config
target_metadata = Base.metadata


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
