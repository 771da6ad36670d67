"""The Settings pages: each shows one area and has ``load(settings)`` / ``values()``.

``values()`` returns the page's part of :class:`~hubdesk.sync.hub_settings.HubSettings`
as a dict of field name to value; the dialog joins them and saves them in one go.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QSpinBox, QVBoxLayout, QWidget

from hubdesk.core.vocab import vocabularies
from hubdesk.services.lock_settings import MAX_AUTO_LOCK_MINUTES, MIN_AUTO_LOCK_MINUTES
from hubdesk.sync.hub_settings import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, TEXT_SIZES, HubSettings
from hubdesk.ui.widgets import (
    Heading,
    HintLabel,
    LabelledField,
    combo_select,
    combo_with_terms,
    em,
    line_edit,
)


class SettingsPage(QWidget):
    """One area: a heading, a line about it, and its labelled fields."""

    title = ""
    about = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: dict[str, LabelledField] = {}
        self.page_layout = QVBoxLayout(self)
        self.page_layout.setContentsMargins(em(self, 0.5), 0, 0, 0)
        self.page_layout.setSpacing(em(self, 0.8))
        self.page_layout.addWidget(Heading(self.title, level=2))
        if self.about:
            self.page_layout.addWidget(HintLabel(self.about))

    def add(self, name: str, label: str, widget: QWidget, hint: str = "") -> None:
        field = LabelledField(label, widget, hint, name=name)
        self.fields[name] = field
        self.page_layout.addWidget(field)

    def finish(self) -> None:
        self.page_layout.addStretch(1)

    def load(self, settings: HubSettings) -> None:
        raise NotImplementedError

    def values(self) -> dict[str, Any]:
        raise NotImplementedError


def _spin(low: int, high: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setMaximumWidth(12 * spin.fontMetrics().averageCharWidth() + 60)
    return spin


class TimeZonePage(SettingsPage):
    title = "Time zone"
    about = ("Which day a record belongs to is decided by the hub's time zone, "
             "on every list, summary and report.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.addItems(sorted(available_timezones()))
        # completes in the box as you type (no pop-up list to get in the way of Tab/Enter)
        completer = QCompleter(self.zone.model(), self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
        self.zone.setCompleter(completer)
        self.add("time_zone", "The hub's &time zone", self.zone,
                 "Type the start of the name, for example Europe/London; "
                 "Alt+Down opens the list")
        self.finish()

    def load(self, settings: HubSettings) -> None:
        self.zone.setCurrentText(settings.time_zone)

    def values(self) -> dict[str, Any]:
        return {"time_zone": self.zone.currentText().strip()}


class AutoLockPage(SettingsPage):
    title = "Auto-lock"
    about = "HubDesk locks itself when nobody has used it for a while, so records stay private."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.minutes = _spin(MIN_AUTO_LOCK_MINUTES, MAX_AUTO_LOCK_MINUTES, " minutes")
        self.add("auto_lock_minutes", "Lock after this many quiet &minutes", self.minutes,
                 f"{MIN_AUTO_LOCK_MINUTES} to {MAX_AUTO_LOCK_MINUTES} minutes")
        self.finish()

    def load(self, settings: HubSettings) -> None:
        self.minutes.setValue(settings.auto_lock_minutes)

    def values(self) -> dict[str, Any]:
        return {"auto_lock_minutes": self.minutes.value()}


class KeepingPage(SettingsPage):
    title = "Keeping details"
    about = ("Names, phone numbers, email addresses and visit notes are removed from this "
             "laptop a number of days after the server has them. Anonymous figures stay.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.days = _spin(MIN_RETENTION_DAYS, MAX_RETENTION_DAYS, " days")
        self.add("retention_days", "Remove details after this many &days", self.days,
                 f"{MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days; the council's usual is 7")
        self.finish()

    def load(self, settings: HubSettings) -> None:
        self.days.setValue(settings.retention_days)

    def values(self) -> dict[str, Any]:
        return {"retention_days": self.days.value()}


class ServerPage(SettingsPage):
    title = "Server"
    about = ("The council's HubDesk server this laptop sends its records to. Change it only "
             "when the council's HubDesk team gives you a new address.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = line_edit("https://hubdesk.example.org", max_length=300)
        self.add("server_url", "&Server address", self.server,
                 "It starts with https://. Empty while this laptop is not connected.")
        self.finish()

    def load(self, settings: HubSettings) -> None:
        self.server.setText(settings.server_url)

    def values(self) -> dict[str, Any]:
        return {"server_url": self.server.text().strip()}


class SessionsPage(SettingsPage):
    title = "Sessions"
    about = "What “Open session…” chooses first; you can still pick another kind each time."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session_type = combo_with_terms(
            (t.code, t.label) for t in vocabularies().session_types.terms)
        self.add("default_session_type", "Usual &kind of session", self.session_type)
        self.finish()

    def load(self, settings: HubSettings) -> None:
        combo_select(self.session_type, settings.default_session_type)

    def values(self) -> dict[str, Any]:
        return {"default_session_type": str(self.session_type.currentData())}


class TextSizePage(SettingsPage):
    title = "Text size"
    about = ("Makes HubDesk's text larger on this laptop, on top of the computer's own "
             "display setting.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text_size = QComboBox()
        for percent in TEXT_SIZES:
            label = "Normal (100 %)" if percent == 100 else f"Larger ({percent} %)"
            self.text_size.addItem(label, percent)
        self.add("text_size_percent", "Te&xt size", self.text_size)
        self.finish()

    def load(self, settings: HubSettings) -> None:
        combo_select(self.text_size, settings.text_size_percent)

    def values(self) -> dict[str, Any]:
        return {"text_size_percent": int(self.text_size.currentData())}


PAGES: tuple[type[SettingsPage], ...] = (TimeZonePage, AutoLockPage, KeepingPage, ServerPage,
                                         SessionsPage, TextSizePage)
