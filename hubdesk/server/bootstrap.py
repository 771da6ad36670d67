"""The server's composition root for a database: engine, migrations, seed data.

``db`` knows engines and transactions; ``seed`` knows what a database must hold;
this module puts them together, so neither imports the other's callers.
"""

from __future__ import annotations

from sqlalchemy import Engine

from hubdesk.server.db import make_engine, migrate
from hubdesk.server.keys import key_folder, load_or_create_keys
from hubdesk.server.seed import ensure_seed


def open_database(url: str, *, pool_size: int | None = None) -> Engine:
    """Engine + migrations + seed data (vocabularies) + the server's key files."""
    engine = make_engine(url, pool_size=pool_size)
    try:
        migrate(engine)
        ensure_seed(engine)
        load_or_create_keys(key_folder(engine.url))
    except BaseException:
        engine.dispose()
        raise
    return engine
