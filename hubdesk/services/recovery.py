"""The recovery slot (DESIGN §9): the database key sealed to the council server's
recovery public key, so a coordinator can get back in, online, when every PIN is
forgotten (the laptop half; the request itself is in sync/recovery.py).

The slot is (re)made whenever the key ring, the server's key, the device or the
server address it names changes: at enrolment and at each unlock.  A slot sealed
before slots were bound to their device id (``protocol.trust`` version 1) is
re-sealed at the next unlock: the laptop holds the database key then and the
server's public key is in the slot, so this needs no network and no one's action
(the server opens the old form meanwhile, for a laptop whose PINs are all lost).  Beside the
sealed key it keeps the device id and server address in the clear (not personal
data): they are needed to ask for recovery while the store is still locked.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hubdesk.protocol import trust
from hubdesk.store import repositories as repo
from hubdesk.store.engine import vault_of

RECOVERY_KEY_SETTING = "server_recovery_public_key"
"""Settings key of the server's recovery public key (written at enrolment by
sync/enrolment.py, which names the same key)."""


def refresh_recovery_slot(db: Session) -> bool:
    """Make or remake the recovery slot when it is missing or out of date; True if written."""
    vault = vault_of(db)
    public = repo.get_setting(db, RECOVERY_KEY_SETTING)
    state = repo.device_state(db)
    if vault is None or not public or state is None or not state.server_url:
        return False
    wanted = {"server_public_key": public, "device_id": state.device_id,
              "server_url": state.server_url}
    current = vault.ring.recovery or {}
    if all(current.get(k) == v for k, v in wanted.items()) and _bound(current):
        return False
    vault.ring.put_recovery(public, vault.key, device_id=state.device_id,
                            server_url=state.server_url)
    return True


def _bound(slot: dict[str, str]) -> bool:
    """The slot is sealed in the current form (bound to its device id)."""
    try:
        return trust.sealed_version(trust.unb64(slot.get("sealed", ""))) == trust.SEALED_VERSION
    except ValueError:
        return False
