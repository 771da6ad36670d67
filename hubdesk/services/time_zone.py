"""The hub's time zone: which IANA zone decides a record's day on this laptop (DESIGN §8).

Read by every list, summary and status line through :func:`hub_time_zone`; the day
arithmetic itself lives in ``hubdesk.core.days``.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hubdesk.core.days import DEFAULT_TIME_ZONE, TIME_ZONE_SETTING, hub_today, hub_zone, is_time_zone
from hubdesk.core.errors import ValidationError
from hubdesk.services.common import Actor, Changes, PermissionDenied, audit
from hubdesk.store import repositories as repo


def hub_time_zone_name(db: Session) -> str:
    """The IANA name set for this laptop's hub (``Europe/London`` when none is set, or when
    the stored value is no longer a zone this machine knows)."""
    stored = repo.get_setting(db, TIME_ZONE_SETTING)
    return stored if isinstance(stored, str) and is_time_zone(stored) else DEFAULT_TIME_ZONE


def hub_time_zone(db: Session) -> ZoneInfo:
    return hub_zone(hub_time_zone_name(db))


def hub_today_for(db: Session) -> date:
    """Today's date at the hub."""
    return hub_today(hub_time_zone(db))


def set_hub_time_zone(db: Session, actor: Actor, name: str) -> Changes:
    """Set the hub's zone (coordinators only); refuses a name that is not an IANA zone."""
    if not actor.is_coordinator:
        raise PermissionDenied("Only a coordinator can change the hub's time zone.")
    clean = name.strip()
    if not is_time_zone(clean):
        raise ValidationError({"time_zone": (
            f"“{clean}” is not a time zone. Type a name such as Europe/London.")})
    repo.put_setting(db, TIME_ZONE_SETTING, clean)
    audit(db, actor, "edit", "setting", TIME_ZONE_SETTING, clean)
    return Changes().add("setting", TIME_ZONE_SETTING)
