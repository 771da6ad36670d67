"""Opening the laptop's store at start-up: the one path the app and every command take.

Three states of a data folder (:func:`laptop_state`):

- ``new``: no records yet.  :func:`open_new_laptop` makes a random key and an
  encrypted store; the first coordinator's PIN becomes its first slot.
- ``plain``: a database from before encryption.  :func:`unlock_laptop` checks a
  *coordinator's* PIN against it, then encrypts it in place (no record lost, no
  plain copy left) with that coordinator's slot.  Other volunteers get a new PIN
  from the coordinator (their old PIN hashes cannot wrap the key).
- ``encrypted``: :func:`unlock_laptop` opens the volunteer's slot with their PIN
  (scrypt, ~0.25 s or more) and the store with the key.

Wrong PINs typed while the store is locked wait in ``unlock-attempts.json`` and
give a growing delay; they move into the encrypted store at the next unlock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import AuthError, StorageError, UserFacingError
from hubdesk.core.paths import AppPaths
from hubdesk.services.common import Actor, audit
from hubdesk.services.recovery import refresh_recovery_slot
from hubdesk.services.volunteers import (
    FAILURE_DELAYS,
    LOCKOUT,
    MAX_ATTEMPTS,
    apply_pending_failures,
    sign_in_after_slot,
    unlock,
)
from hubdesk.store.attempts import AttemptLog
from hubdesk.store.encryption import LaptopState, encrypt_in_place, laptop_state, lock_down
from hubdesk.store.engine import Store
from hubdesk.store.keyring import KeyRing, Vault, WrongSecret

log = logging.getLogger("hubdesk.services.laptop")

__all__ = ["LaptopState", "Unlocked", "laptop_state", "open_new_laptop", "unlock_laptop", "unreadable"]

_NO_MATCH = "That name and PIN do not match."


@dataclass
class Unlocked:
    store: Store
    actor: Actor


def unreadable() -> StorageError:
    # worded as store.engine.storage_error says a damaged file (one message for one problem)
    return StorageError("The HubDesk database cannot be read: it is damaged or its key file "
                        "is missing.",
                        hint="Nothing was changed. "
                             "Ask your coordinator.")


def open_new_laptop(paths: AppPaths) -> Store:
    """A fresh encrypted store (first run).  A store left by a first run that never
    made a slot holds nothing that can be read again, so it is replaced."""
    from hubdesk.protocol.trust import random_key

    if laptop_state(paths) is not LaptopState.NEW:
        raise unreadable()  # never replace a database that may hold records
    for leftover in (paths.database, *_side_files(paths)):
        leftover.unlink(missing_ok=True)
    ring = KeyRing.create(paths.data_dir)
    store = Store.open(paths.database, backups=paths.backups, vault=Vault(ring, random_key()))
    lock_down(paths.data_dir)
    return store


def unlock_laptop(paths: AppPaths, name: str, pin: str) -> Unlocked:
    """Open the store as ``name``; AuthError for a wrong name or PIN (after the delay)."""
    state = laptop_state(paths)
    if state is LaptopState.PLAIN:
        return _encrypt_plain_laptop(paths, name, pin)
    if state is LaptopState.NEW:
        raise UserFacingError("HubDesk is not set up on this laptop yet.",
                              hint="Start the app to set it up, or run enrol.")
    if state is LaptopState.UNREADABLE:
        raise unreadable()
    ring = KeyRing.load(paths.data_dir)
    assert ring is not None
    attempts = AttemptLog(paths.data_dir)
    tag = ring.tag(name)
    _check_delay(name, attempts, tag)
    try:
        key = ring.open_slot(name, pin)
    except WrongSecret:
        attempts.record_failure(tag, utc_now())
        log.info("wrong PIN at the locked screen")
        raise AuthError(_NO_MATCH, hint="Check both and try again.") from None
    store = Store.open(paths.database, backups=paths.backups, vault=Vault(ring, key))
    try:
        with store.unit_of_work() as db:
            apply_pending_failures(db, attempts.take_all())
        with store.unit_of_work() as db:
            actor = sign_in_after_slot(db, name)
            refresh_recovery_slot(db)
    except BaseException:
        store.close()
        raise
    lock_down(paths.data_dir)
    return Unlocked(store, actor)


def _check_delay(name: str, attempts: AttemptLog, tag: str) -> None:
    from hubdesk.services.volunteers import wait_message

    pending = attempts.failures(tag)
    if not pending.count or pending.last_at is None:
        return
    if pending.count >= MAX_ATTEMPTS:
        wait = LOCKOUT
    else:
        wait = FAILURE_DELAYS[min(pending.count, len(FAILURE_DELAYS)) - 1]
    now = utc_now()
    if pending.last_at + wait > now:
        raise wait_message(" ".join(name.split()), pending.last_at + wait, now)


def _encrypt_plain_laptop(paths: AppPaths, name: str, pin: str) -> Unlocked:
    from hubdesk.protocol.trust import random_key

    plain = Store.open(paths.database, backups=paths.backups)
    try:
        with plain.unit_of_work() as db:
            actor = unlock(db, name, pin)
    finally:
        plain.close()
    if not actor.is_coordinator:
        raise AuthError("A coordinator needs to sign in first on this laptop.",
                        hint="HubDesk is encrypting its records; this needs a coordinator's PIN once.")
    key = random_key()
    ring = KeyRing.create(paths.data_dir)
    ring.put_slot(actor.display_name, pin, key)
    vault = Vault(ring, key)
    encrypt_in_place(paths.database, vault.raw_key, paths.backups)
    store = Store.open(paths.database, backups=paths.backups, vault=vault)
    with store.unit_of_work() as db:
        from hubdesk.services.setup import KEY_SLOT_MARK
        from hubdesk.store import repositories as repo

        for volunteer in repo.volunteers(db, include_inactive=True):
            # old PIN hashes cannot open the key: every other volunteer gets a new PIN
            volunteer.pin_hash = KEY_SLOT_MARK if volunteer.id == actor.volunteer_id else ""
        audit(db, actor, "edit", "device", actor.device_id, "database encrypted")
    lock_down(paths.data_dir)
    log.info("plain database encrypted on first coordinator unlock")
    return Unlocked(store, actor)


def _side_files(paths: AppPaths) -> list[Path]:
    return [paths.database.with_name(paths.database.name + s) for s in ("-wal", "-shm")]
