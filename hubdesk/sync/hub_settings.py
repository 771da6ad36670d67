"""The coordinator's Settings: read them all, check them, save what changed (audited).

One area per page in the app (``ui/settings``): the hub's time zone, the idle auto-lock,
how long identifying details stay on this laptop, the server address, the default kind
of session and the text size.  The first three keep their own use cases
(``services.time_zone``, ``services.lock_settings``, ``services.retention``); this
module adds the rest.  It lives in ``sync/`` because the server address obeys the
transport's rule (``https://``, or ``http://`` to this computer only).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from hubdesk.core.days import is_time_zone
from hubdesk.core.errors import ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services.common import Actor, Changes, audit, require_coordinator
from hubdesk.services.lock_settings import (
    MAX_AUTO_LOCK_MINUTES,
    MIN_AUTO_LOCK_MINUTES,
    auto_lock_minutes,
    set_auto_lock_minutes,
)
from hubdesk.services.retention import retention_days, set_retention_days
from hubdesk.services.sessions import DEFAULT_SESSION_TYPE_SETTING, default_session_type
from hubdesk.services.time_zone import hub_time_zone_name, set_hub_time_zone
from hubdesk.store import repositories as repo
from hubdesk.store import sync_repo
from hubdesk.sync.enrolment import normalise_server
from hubdesk.sync.transport import is_allowed_server_url

TEXT_SIZE_SETTING = "text_size_percent"
TEXT_SIZES = (100, 125, 150)
MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 1, 365


@dataclass(frozen=True)
class HubSettings:
    time_zone: str
    auto_lock_minutes: int
    retention_days: int
    server_url: str  # "" while the laptop is not connected to a server
    default_session_type: str
    text_size_percent: int


def text_size_percent(db: Session) -> int:
    stored = repo.get_setting(db, TEXT_SIZE_SETTING)
    return stored if isinstance(stored, int) and stored in TEXT_SIZES else 100


def load_settings(db: Session) -> HubSettings:
    state = sync_repo.device_state(db)
    return HubSettings(
        time_zone=hub_time_zone_name(db),
        auto_lock_minutes=auto_lock_minutes(db),
        retention_days=retention_days(db),
        server_url=(state.server_url or "") if state is not None else "",
        default_session_type=default_session_type(db),
        text_size_percent=text_size_percent(db),
    )


def check_settings(new: HubSettings, *, enrolled: bool) -> dict[str, str]:
    """Field errors keyed by the :class:`HubSettings` field names; {} when all are right."""
    errors: dict[str, str] = {}
    zone = new.time_zone.strip()
    if not is_time_zone(zone):
        errors["time_zone"] = f"“{zone}” is not a time zone. Choose one from the list, such as Europe/London."
    if not MIN_AUTO_LOCK_MINUTES <= new.auto_lock_minutes <= MAX_AUTO_LOCK_MINUTES:
        errors["auto_lock_minutes"] = (f"Choose {MIN_AUTO_LOCK_MINUTES} to "
                                       f"{MAX_AUTO_LOCK_MINUTES} minutes.")
    if not MIN_RETENTION_DAYS <= new.retention_days <= MAX_RETENTION_DAYS:
        errors["retention_days"] = f"Choose {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days."
    server = normalise_server(new.server_url)
    if enrolled and not server:
        errors["server_url"] = ("This laptop is connected to a server: enter its address "
                                "(it starts with https://).")
    elif server and not server.startswith(("http://", "https://")):
        errors["server_url"] = "The server address must start with https://"
    elif server and not is_allowed_server_url(server):
        errors["server_url"] = ("Use the server's https:// address: http:// is only for a "
                                "server on this computer.")
    elif server and not enrolled:
        errors["server_url"] = ("Connect this laptop first (Sync ▸ Connect to the hub's "
                                "server…): a server needs a one-time code.")
    if new.default_session_type not in vocabularies().session_types:
        errors["default_session_type"] = "Choose a kind of session from the list."
    if new.text_size_percent not in TEXT_SIZES:
        errors["text_size_percent"] = "Choose one of the text sizes in the list."
    return errors


def save_settings(db: Session, actor: Actor, new: HubSettings) -> Changes:
    """Save every changed value (coordinators only), each audited in this transaction.

    Nothing is saved when any value is wrong (:class:`ValidationError` names them all).
    """
    require_coordinator(actor, "change the settings")
    state = sync_repo.device_state(db)
    enrolled = bool(state is not None and state.device_token)
    errors = check_settings(new, enrolled=enrolled)
    if errors:
        raise ValidationError(errors)
    old = load_settings(db)
    changes = Changes()
    changed = {name for name, value in asdict(new).items() if asdict(old)[name] != value}
    if "time_zone" in changed:
        _take(changes, set_hub_time_zone(db, actor, new.time_zone.strip()))
    if "auto_lock_minutes" in changed:
        _take(changes, set_auto_lock_minutes(db, actor, new.auto_lock_minutes))
    if "retention_days" in changed:
        _take(changes, set_retention_days(db, actor, new.retention_days))
    server = normalise_server(new.server_url)
    if "server_url" in changed and state is not None and server != old.server_url:
        state.server_url = server
        audit(db, actor, "edit", "setting", "server_url", "server address changed")
        changes.add("setting", "server_url")
    for key, name, value in ((DEFAULT_SESSION_TYPE_SETTING, "default_session_type",
                              new.default_session_type),
                             (TEXT_SIZE_SETTING, "text_size_percent", new.text_size_percent)):
        if name in changed:
            repo.put_setting(db, key, value)
            audit(db, actor, "edit", "setting", key, str(value))
            changes.add("setting", key)
    return changes


def _take(changes: Changes, more: Changes) -> None:
    for kind in more.kinds:
        changes.kinds.add(kind)
    changes.ids.extend(more.ids)
