"""The idle auto-lock: how many quiet minutes before HubDesk locks (set by a coordinator)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hubdesk.core.errors import ValidationError
from hubdesk.services.common import Actor, Changes, audit, require_coordinator
from hubdesk.store import repositories as repo

AUTO_LOCK_SETTING = "auto_lock_minutes"
DEFAULT_AUTO_LOCK_MINUTES = 5
MIN_AUTO_LOCK_MINUTES, MAX_AUTO_LOCK_MINUTES = 1, 60


def auto_lock_minutes(db: Session) -> int:
    value = repo.get_setting(db, AUTO_LOCK_SETTING, DEFAULT_AUTO_LOCK_MINUTES)
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        return DEFAULT_AUTO_LOCK_MINUTES
    return min(MAX_AUTO_LOCK_MINUTES, max(MIN_AUTO_LOCK_MINUTES, minutes))


def set_auto_lock_minutes(db: Session, actor: Actor, minutes: int) -> Changes:
    require_coordinator(actor, "change when HubDesk locks itself")
    if not MIN_AUTO_LOCK_MINUTES <= minutes <= MAX_AUTO_LOCK_MINUTES:
        raise ValidationError({"auto_lock": f"Choose {MIN_AUTO_LOCK_MINUTES} to "
                                            f"{MAX_AUTO_LOCK_MINUTES} minutes."})
    repo.put_setting(db, AUTO_LOCK_SETTING, minutes)
    audit(db, actor, "edit", "setting", AUTO_LOCK_SETTING, str(minutes))
    return Changes().add("setting", AUTO_LOCK_SETTING)
