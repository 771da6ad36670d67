"""Volunteers on this laptop: unlock with a PIN, switch, add (coordinators only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import AuthError, ValidationError
from hubdesk.core.pins import hash_pin, verify_pin
from hubdesk.services.common import Actor, Changes, PermissionDenied, audit
from hubdesk.services.setup import create_volunteer, ensure_device
from hubdesk.store import repositories as repo

MAX_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)


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
        for v in repo.volunteers(db)
    ]


def unlock(db: Session, name: str, pin: str) -> Actor:
    """Check a volunteer's PIN; five wrong tries lock that volunteer for five minutes.

    Every attempt is audited (without the PIN).  A failed attempt commits its
    bookkeeping (attempt count, lockout, audit event) *before* raising AuthError:
    the one place a service commits, because the unit of work rolls back on errors
    and a guesser must not get unlimited tries.
    """
    device_id = ensure_device(db)
    volunteer = repo.volunteer_by_name(db, name)
    if volunteer is None or not volunteer.active or not volunteer.pin_hash:
        audit(db, None, "failed_login", "volunteer", "", "unknown or inactive name",
              device_id=device_id)
        db.commit()
        raise AuthError("That name and PIN do not match.", hint="Check both and try again.")
    now = utc_now()
    if volunteer.locked_until and volunteer.locked_until > now:
        minutes = max(1, int((volunteer.locked_until - now).total_seconds() // 60) + 1)
        raise AuthError(
            f"Too many wrong PINs for {volunteer.display_name}.",
            hint=f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, or ask the coordinator.",
        )
    if not verify_pin(pin, volunteer.pin_hash):
        volunteer.failed_attempts += 1
        if volunteer.failed_attempts >= MAX_ATTEMPTS:
            volunteer.locked_until = now + LOCKOUT
            volunteer.failed_attempts = 0
        audit(db, None, "failed_login", "volunteer", volunteer.id, "", device_id=device_id)
        db.commit()
        raise AuthError("That name and PIN do not match.", hint="Check both and try again.")
    volunteer.failed_attempts = 0
    volunteer.locked_until = None
    actor = Actor(volunteer.id, device_id, volunteer.display_name, volunteer.role)
    audit(db, actor, "login", "volunteer", volunteer.id)
    return actor


def add_volunteer(db: Session, actor: Actor, name: str, pin: str, role: str = "volunteer") -> Changes:
    if not actor.is_coordinator:
        raise PermissionDenied("Only a coordinator can add volunteers.")
    if role not in ("volunteer", "coordinator"):
        raise ValidationError({"role": "Choose volunteer or coordinator."})
    volunteer = create_volunteer(db, name, pin, role=role)
    audit(db, actor, "create", "volunteer", volunteer.id, role)
    return Changes().add("volunteer", volunteer.id)


def set_pin(db: Session, actor: Actor, volunteer_id: str, pin: str) -> Changes:
    """A coordinator sets or resets a PIN (also activates a roster volunteer)."""
    if not actor.is_coordinator and actor.volunteer_id != volunteer_id:
        raise PermissionDenied("Only a coordinator can set another volunteer's PIN.")
    volunteer = next((v for v in repo.volunteers(db, include_inactive=True) if v.id == volunteer_id), None)
    if volunteer is None:
        raise ValidationError({"volunteer": "Choose a volunteer."})
    volunteer.pin_hash = hash_pin(pin)
    volunteer.active = True
    volunteer.failed_attempts = 0
    volunteer.locked_until = None
    audit(db, actor, "edit", "volunteer", volunteer_id, "pin set")
    return Changes().add("volunteer", volunteer_id)
