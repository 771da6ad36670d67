"""Wire schemas shared by the sync client and the server (pydantic, strict, bounded)."""

from hubdesk.protocol.schemas import *  # noqa: F403
