"""Volunteers on this laptop: unlock with a PIN, switch, and (coordinators only)
add, rename, reset a PIN, make coordinator, deactivate.

On an encrypted laptop a volunteer's PIN *is* their key slot (store/keyring.py):
checking a PIN opens the slot, setting one rewraps the database key, and
deactivating removes the slot, so a deactivated volunteer's PIN opens nothing.
A plain store (older tests, the migration's first step) checks ``pin_hash``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import AuthError, ValidationError
from hubdesk.core.pins import check_pin_format, verify_pin
from hubdesk.services.common import Actor, Changes, PermissionDenied, audit, require_coordinator
from hubdesk.services.setup import KEY_SLOT_MARK, create_volunteer, ensure_device, normalise_name
from hubdesk.store import repositories as repo
from hubdesk.store.engine import vault_of
from hubdesk.store.keyring import WrongSecret
from hubdesk.store.models import Volunteer

MAX_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
#: wait after the n-th wrong PIN in a row (index n-1); the MAX_ATTEMPTS-th locks out
FAILURE_DELAYS = (timedelta(0), timedelta(0), timedelta(seconds=5), timedelta(seconds=15))
ROLES = ("volunteer", "coordinator")
_NO_MATCH = AuthError("That name and PIN do not match.", hint="Check both and try again.")


@dataclass(frozen=True)
class VolunteerInfo:
    id: str
    display_name: str
    role: str
    active: bool
    has_pin: bool


def list_volunteers(db: Session) -> list[VolunteerInfo]:
    return [
        VolunteerInfo(v.id, v.display_name, v.role, v.active, bool(v.pin_hash))
        for v in repo.volunteers(db, include_inactive=True)
    ]


def _pin_matches(db: Session, volunteer: Volunteer, pin: str) -> bool:
    vault = vault_of(db)
    if vault is None:
        return verify_pin(pin, volunteer.pin_hash)
    try:
        return vault.ring.open_slot(volunteer.display_name, pin) == vault.key
    except WrongSecret:
        return False


def wait_message(volunteer_name: str, until: datetime, now: datetime) -> AuthError:
    seconds = max(1, -int(-(until - now).total_seconds() // 1))
    wait = (f"{seconds} seconds" if seconds < 90 else
            f"{-(-seconds // 60)} minutes")
    return AuthError(f"Too many wrong PINs for {volunteer_name}.",
                     hint=f"Try again in {wait}, or ask the coordinator.")


def record_failure(db: Session, volunteer: Volunteer, device_id: str, at: datetime) -> None:
    """Count one wrong PIN: a growing delay, then a lockout (both audited)."""
    volunteer.failed_attempts += 1
    audit(db, None, "failed_login", "volunteer", volunteer.id, "", device_id=device_id)
    if volunteer.failed_attempts >= MAX_ATTEMPTS:
        volunteer.locked_until = at + LOCKOUT
        volunteer.failed_attempts = 0
        audit(db, None, "lockout", "volunteer", volunteer.id, f"{int(LOCKOUT.total_seconds())} s",
              device_id=device_id)
    else:
        delay = FAILURE_DELAYS[min(volunteer.failed_attempts, len(FAILURE_DELAYS)) - 1]
        volunteer.locked_until = at + delay if delay else None


def unlock(db: Session, name: str, pin: str) -> Actor:
    """Check a volunteer's PIN on an open store (switching volunteer, the auto-lock).

    Every attempt is audited (without the PIN).  A failed attempt commits its
    bookkeeping (attempt count, delay, audit event) *before* raising AuthError:
    the one place a service commits, because the unit of work rolls back on errors
    and a guesser must not get unlimited tries.
    """
    device_id = ensure_device(db)
    volunteer = repo.volunteer_by_name(db, normalise_name(name))
    if volunteer is None or not volunteer.active or not volunteer.pin_hash:
        audit(db, None, "failed_login", "volunteer", "", "unknown or inactive name",
              device_id=device_id)
        db.commit()
        raise _NO_MATCH
    now = utc_now()
    if volunteer.locked_until and volunteer.locked_until > now:
        raise wait_message(volunteer.display_name, volunteer.locked_until, now)
    if not _pin_matches(db, volunteer, pin):
        record_failure(db, volunteer, device_id, now)
        db.commit()
        raise _NO_MATCH
    return signed_in(db, volunteer, device_id)


def sign_in_after_slot(db: Session, name: str) -> Actor:
    """Cold start: ``name``'s slot opened the store; refuse a deactivated or locked-out
    volunteer (the lockout lives in the encrypted store), else log them in."""
    device_id = ensure_device(db)
    volunteer = repo.volunteer_by_name(db, normalise_name(name))
    if volunteer is None or not volunteer.active:
        audit(db, None, "failed_login", "volunteer", "", "slot of an unknown or inactive name",
              device_id=device_id)
        db.commit()
        raise _NO_MATCH
    now = utc_now()
    if volunteer.locked_until and volunteer.locked_until > now and volunteer.failed_attempts == 0:
        raise wait_message(volunteer.display_name, volunteer.locked_until, now)
    return signed_in(db, volunteer, device_id)


def signed_in(db: Session, volunteer: Volunteer, device_id: str) -> Actor:
    volunteer.failed_attempts = 0
    volunteer.locked_until = None
    actor = Actor(volunteer.id, device_id, volunteer.display_name, volunteer.role)
    audit(db, actor, "login", "volunteer", volunteer.id)
    return actor


def apply_pending_failures(db: Session, failures_by_tag: dict[str, list[datetime]]) -> int:
    """Move wrong PINs typed at the locked PIN screen into the encrypted store."""
    vault = vault_of(db)
    if vault is None or not failures_by_tag:
        return 0
    device_id = ensure_device(db)
    moved = 0
    for volunteer in repo.volunteers(db, include_inactive=True):
        for at in failures_by_tag.get(vault.ring.tag(volunteer.display_name), []):
            record_failure(db, volunteer, device_id, at)
            moved += 1
    return moved


# --- management (coordinators) -------------------------------------------------------

def _volunteer(db: Session, volunteer_id: str) -> Volunteer:
    volunteer = db.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise ValidationError({"volunteer": "Choose a volunteer."})
    return volunteer


def _active_coordinators(db: Session) -> list[Volunteer]:
    return [v for v in repo.volunteers(db) if v.role == "coordinator" and v.active and v.pin_hash]


def add_volunteer(db: Session, actor: Actor, name: str, pin: str, role: str = "volunteer") -> Changes:
    require_coordinator(actor, "add volunteers")
    if role not in ROLES:
        raise ValidationError({"role": "Choose volunteer or coordinator."})
    volunteer = create_volunteer(db, name, pin, role=role)
    audit(db, actor, "create", "volunteer", volunteer.id, role)
    return Changes().add("volunteer", volunteer.id)


def set_pin(db: Session, actor: Actor, volunteer_id: str, pin: str) -> Changes:
    """A coordinator sets or resets a PIN (also activates a roster volunteer); anyone
    may change their own."""
    if not actor.is_coordinator and actor.volunteer_id != volunteer_id:
        raise PermissionDenied("Only a coordinator can set another volunteer's PIN.")
    check_pin_format(pin)
    volunteer = _volunteer(db, volunteer_id)
    _put_secret(db, volunteer, pin)
    volunteer.active = True
    volunteer.failed_attempts = 0
    volunteer.locked_until = None
    audit(db, actor, "edit", "volunteer", volunteer_id, "pin set")
    return Changes().add("volunteer", volunteer_id)


def _put_secret(db: Session, volunteer: Volunteer, pin: str) -> None:
    from hubdesk.core.pins import hash_pin

    vault = vault_of(db)
    if vault is None:
        volunteer.pin_hash = hash_pin(pin)
    else:
        vault.ring.put_slot(volunteer.display_name, pin, vault.key)
        volunteer.pin_hash = KEY_SLOT_MARK


def rename_volunteer(db: Session, actor: Actor, volunteer_id: str, new_name: str) -> Changes:
    require_coordinator(actor, "rename volunteers")
    volunteer = _volunteer(db, volunteer_id)
    clean = normalise_name(new_name)
    if not clean:
        raise ValidationError({"name": "Enter a name."})
    if len(clean) > 80:
        raise ValidationError({"name": "Keep the name under 80 characters."})
    other = repo.volunteer_by_name(db, clean)
    if other is not None and other.id != volunteer_id:
        raise ValidationError({"name": f"There is already a volunteer called {clean}."})
    vault = vault_of(db)
    if vault is not None:
        vault.ring.rename_slot(volunteer.display_name, clean)
    volunteer.display_name = clean
    audit(db, actor, "edit", "volunteer", volunteer_id, "renamed")
    return Changes().add("volunteer", volunteer_id)


def set_role(db: Session, actor: Actor, volunteer_id: str, role: str) -> Changes:
    require_coordinator(actor, "change roles")
    if role not in ROLES:
        raise ValidationError({"role": "Choose volunteer or coordinator."})
    volunteer = _volunteer(db, volunteer_id)
    if role == "volunteer" and volunteer.role == "coordinator" and _is_last_coordinator(db, volunteer):
        raise ValidationError({"role": "This laptop needs at least one coordinator."})
    volunteer.role = role
    audit(db, actor, "edit", "volunteer", volunteer_id, f"role {role}")
    return Changes().add("volunteer", volunteer_id)


def deactivate_volunteer(db: Session, actor: Actor, volunteer_id: str) -> Changes:
    """Remove the volunteer's key slot and mark them inactive; their records stay."""
    require_coordinator(actor, "deactivate volunteers")
    volunteer = _volunteer(db, volunteer_id)
    if volunteer_id == actor.volunteer_id:
        raise ValidationError({"volunteer": "You cannot deactivate yourself."})
    if volunteer.role == "coordinator" and _is_last_coordinator(db, volunteer):
        raise ValidationError({"volunteer": "This laptop needs at least one coordinator."})
    vault = vault_of(db)
    if vault is not None:
        vault.ring.remove_slot(volunteer.display_name)
    volunteer.active = False
    volunteer.pin_hash = ""
    audit(db, actor, "edit", "volunteer", volunteer_id, "deactivated; key slot removed")
    return Changes().add("volunteer", volunteer_id)


def _is_last_coordinator(db: Session, volunteer: Volunteer) -> bool:
    return [v.id for v in _active_coordinators(db)] == [volunteer.id]
