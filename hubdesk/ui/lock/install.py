"""Wire the idle auto-lock into a main window: minutes from the coordinator's setting,
re-read whenever a setting changes."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from hubdesk.services import lock_settings
from hubdesk.services.common import Changes
from hubdesk.ui.context import AppContext
from hubdesk.ui.lock.idle import IdleLock
from hubdesk.ui.widgets import run_db


def install_auto_lock(window: QWidget, context: AppContext) -> IdleLock:
    idle = IdleLock(window, lock_settings.DEFAULT_AUTO_LOCK_MINUTES)

    def read() -> None:
        run_db(idle, context, lock_settings.auto_lock_minutes, idle.set_minutes)

    def changed(changes: Changes) -> None:
        if "setting" in changes.kinds:
            read()

    context.runner.data_changed.connect(changed)
    read()
    return idle
