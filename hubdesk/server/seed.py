"""What every server database holds before it answers: the token secret and the
current vocabularies.  Called by the composition root (``bootstrap.open_database``)."""

from __future__ import annotations

import json
import secrets

from sqlalchemy import Connection, Engine, insert, select

from hubdesk.core.hashing import canonical_json
from hubdesk.core.paths import resources_dir
from hubdesk.server.db import read_tx, write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.models import SETTINGS
from hubdesk.server.reference import published_data, upsert_reference

TOKEN_SECRET_KEY = "token_secret"


def ensure_seed(engine: Engine) -> None:
    """The token secret and the current vocabularies (idempotent, run at start-up)."""
    data = json.loads((resources_dir() / "vocabularies.json").read_text(encoding="utf-8"))
    with read_tx(engine) as conn:  # usually all there: no write transaction needed
        has_secret = _stored_secret(conn) is not None
        published = published_data(conn, "vocabularies", "core")
    if has_secret and published == canonical_json(data):
        return
    with write_tx(engine) as conn:
        if _stored_secret(conn) is None:
            conn.execute(insert(SETTINGS).values(key=TOKEN_SECRET_KEY,
                                                 value=secrets.token_hex(32)))
        upsert_reference(conn, "vocabularies", "core", None, data)


def _stored_secret(conn: Connection) -> str | None:
    value = conn.execute(select(SETTINGS.c.value).where(SETTINGS.c.key == TOKEN_SECRET_KEY)
                         ).scalar()
    return None if value is None else str(value)


def token_secret(conn: Connection) -> bytes:
    """The secret device tokens are derived from (see ``devices.derive_token``)."""
    value = _stored_secret(conn)
    if value is None:
        raise AdminError("the server database has no token secret; run the server once")
    return bytes.fromhex(value)
