"""The administration use cases, in one place for the CLI and the tests.

Each lives in its own module (hubs and roster in ``hubs``, enrolment codes in
``codes``, devices in ``devices``, the services directory in ``directory``,
server-made versions in ``edits``, statistics in ``stats``); this module only
names them.  Every function takes an opened engine (see
:func:`hubdesk.server.bootstrap.open_database`) and runs its own transaction.
"""

from __future__ import annotations

from hubdesk.server.codes import create_enrol_code
from hubdesk.server.devices import reinstate_device, revoke_device
from hubdesk.server.directory import import_directory, read_directory
from hubdesk.server.edits import (
    SERVER_ACTOR_ID,
    SERVER_DEVICE_ID,
    ServerEdit,
    edit_record,
    erase_record,
)
from hubdesk.server.hubs import add_venue, add_volunteer, create_hub
from hubdesk.server.recovery import create_recovery_code
from hubdesk.server.reference import upsert_reference
from hubdesk.server.stats import stats

__all__ = [
    "SERVER_ACTOR_ID",
    "SERVER_DEVICE_ID",
    "ServerEdit",
    "add_venue",
    "add_volunteer",
    "create_enrol_code",
    "create_hub",
    "create_recovery_code",
    "edit_record",
    "erase_record",
    "import_directory",
    "read_directory",
    "reinstate_device",
    "revoke_device",
    "stats",
    "upsert_reference",
]
