"""Every PIN forgotten: open the laptop with a one-time recovery code from the council
(``hubdesk recover --code CODE``, or "Forgot every PIN?" on the PIN screen).

The laptop posts its recovery slot with the code and a one-off reply key to
``POST /v1/recovery``; the server opens the slot and seals the key to the reply
key, so it never crosses the wire in the clear (protocol/trust.py).  The named
coordinator then gets a new PIN (a new key slot), and the recovery is audited.
"""

from __future__ import annotations

from hubdesk import __version__
from hubdesk.core.errors import AuthError, UserFacingError
from hubdesk.core.paths import AppPaths
from hubdesk.core.pins import check_pin_format
from hubdesk.protocol import trust
from hubdesk.services import volunteers
from hubdesk.services.common import Actor, audit
from hubdesk.services.laptop import Unlocked
from hubdesk.services.setup import normalise_name
from hubdesk.store import repositories as repo
from hubdesk.store.engine import Store
from hubdesk.store.keyring import KeyRing, Vault
from hubdesk.sync.transport import HttpTransport


def recover_laptop(paths: AppPaths, code: str, coordinator: str, new_pin: str) -> Unlocked:
    """Open the store with the council's code; ``coordinator`` gets ``new_pin``."""
    check_pin_format(new_pin)
    ring = KeyRing.load(paths.data_dir)
    slot = ring.recovery if ring else None
    if ring is None or not slot or not slot.get("server_url") or not slot.get("device_id"):
        raise UserFacingError("This laptop cannot be recovered through the server.",
                              hint="Recovery works once the laptop has been enrolled and unlocked.")
    reply_private, reply_public = trust.new_recovery_key_pair()
    transport = HttpTransport(slot["server_url"], None, app_version=__version__)
    try:
        answer = transport.recover(trust.RecoveryRequest(
            device_id=slot["device_id"], code=" ".join(code.split()).upper(),
            sealed_key=slot["sealed"], reply_public_key=trust.b64(reply_public)))
    finally:
        transport.close()
    try:
        legacy = trust.sealed_version(trust.unb64(slot["sealed"])) == trust.LEGACY_SEALED_VERSION
        key = trust.open_sealed(reply_private, trust.unb64(answer.sealed_key),
                                context=trust.recovery_reply_context(slot["device_id"]),
                                allow_legacy=legacy)
    except ValueError as error:
        raise UserFacingError("The server's answer could not be opened.",
                              hint="Ask the council to check the recovery code.") from error
    store = Store.open(paths.database, backups=paths.backups, vault=Vault(ring, key))
    try:
        with store.unit_of_work() as db:
            volunteer = repo.volunteer_by_name(db, normalise_name(coordinator))
            if volunteer is None or not volunteer.active or volunteer.role != "coordinator":
                raise AuthError("Recovery is for one of this laptop's coordinators.",
                                hint="Type the name of a coordinator on this laptop.")
            actor = Actor(volunteer.id, slot["device_id"], volunteer.display_name, volunteer.role)
            volunteers.set_pin(db, actor, volunteer.id, new_pin)
            audit(db, actor, "edit", "device", slot["device_id"], "key recovered with a council code")
            actor = volunteers.signed_in(db, volunteer, slot["device_id"])
    except BaseException:
        store.close()
        raise
    return Unlocked(store, actor)
