"""What every server database holds before it answers: the current vocabularies.
Called by the composition root (``bootstrap.open_database``).  (There is no token
secret: device tokens are random and only their hashes are stored.)"""

from __future__ import annotations

import json

from sqlalchemy import Engine

from hubdesk.core.hashing import canonical_json
from hubdesk.core.paths import resources_dir
from hubdesk.server.db import read_tx, write_tx
from hubdesk.server.reference import published_data, upsert_reference


def ensure_seed(engine: Engine) -> None:
    """The current vocabularies (idempotent, run at start-up)."""
    data = json.loads((resources_dir() / "vocabularies.json").read_text(encoding="utf-8"))
    with read_tx(engine) as conn:  # usually all there: no write transaction needed
        published = published_data(conn, "vocabularies", "core")
    if published == canonical_json(data):
        return
    with write_tx(engine) as conn:
        upsert_reference(conn, "vocabularies", "core", None, data)
