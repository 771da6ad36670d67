"""``GET /v1/ready``: may a load balancer send this process work?

Ready when the database answers and its schema is the one this code expects
(a server started before a migration, or against an unmigrated database, is not).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from hubdesk.server.db import head_revision


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str = ""


@lru_cache(maxsize=1)
def _expected_revision() -> str:
    return head_revision()


def readiness(engine: Engine) -> Readiness:
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as error:
        kind = type(getattr(error, "orig", None) or error).__name__
        return Readiness(False, f"the database does not answer ({kind})")
    if current != _expected_revision():
        return Readiness(False, "the database schema is not the one this server expects "
                                f"({current} instead of {_expected_revision()})")
    return Readiness(True)
