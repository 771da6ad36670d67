"""Who is using the app and which session is open: shared by every screen.

Signals:
    actor_changed(object): the unlocked volunteer changed (an Actor, or None when locked).
    session_changed(object): the open session changed (a session id str, or None).
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QObject, Signal

from hubdesk.core.clock import utc_now
from hubdesk.core.days import DEFAULT_TIME_ZONE, hub_today, to_hub_time
from hubdesk.core.paths import AppPaths
from hubdesk.services.common import Actor
from hubdesk.ui.errors import ErrorReporter
from hubdesk.ui.tasks import TaskRunner


class AppContext(QObject):
    actor_changed = Signal(object)
    session_changed = Signal(object)

    def __init__(self, paths: AppPaths, runner: TaskRunner, errors: ErrorReporter) -> None:
        super().__init__()
        self.paths = paths
        self.runner = runner
        self.errors = errors
        self._actor: Actor | None = None
        self._session_id: str | None = None
        #: the hub's IANA zone (DESIGN §8), read at every unlock; days and clock times
        #: the screens show come from it, never from the laptop's own offset
        self.time_zone = DEFAULT_TIME_ZONE

    def hub_today(self) -> date:
        """Today's date at the hub."""
        return hub_today(self.time_zone, utc_now())

    def hub_time(self, at_utc: datetime | None = None) -> datetime:
        """A stored time (naive UTC; now by default) as the hub's wall-clock time (naive)."""
        return to_hub_time(at_utc or utc_now(), self.time_zone).replace(tzinfo=None)

    @property
    def actor(self) -> Actor | None:
        return self._actor

    def set_actor(self, actor: Actor | None) -> None:
        self._actor = actor
        self.actor_changed.emit(actor)

    @property
    def session_id(self) -> str | None:
        return self._session_id

    def set_session(self, session_id: str | None) -> None:
        if session_id != self._session_id:
            self._session_id = session_id
            self.session_changed.emit(session_id)
