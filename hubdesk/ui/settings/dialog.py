"""HubDesk ▸ Settings (coordinators): the list of areas on the left, one page on the right.

Up / Down in the list change the page, Tab goes into it; Enter saves every page at once
(``sync.hub_settings.save_settings``, each change audited), Esc closes without saving.
A wrong value is named next to its field and in the summary, and its page is shown.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QHBoxLayout, QListWidget, QStackedWidget, QWidget

from hubdesk.core.errors import ValidationError
from hubdesk.sync.hub_settings import HubSettings, load_settings, save_settings
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.settings.pages import PAGES, SettingsPage
from hubdesk.ui.widgets import em, run_db

BASE_FONT_PROPERTY = "hubdeskBasePointSize"
TEXT_SIZE_PROPERTY = "hubdeskTextSizePercent"


def apply_text_size(percent: int) -> None:
    """Scale the application's font to ``percent`` of the system's own size (nothing is
    touched while it is already so: the system's size is 100 %)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if (app.property(TEXT_SIZE_PROPERTY) or 100) == percent:
        return
    app.setProperty(TEXT_SIZE_PROPERTY, percent)
    base = app.property(BASE_FONT_PROPERTY)
    if not isinstance(base, float):
        base = QGuiApplication.font().pointSizeF()
        app.setProperty(BASE_FONT_PROPERTY, base)
    font = QFont(app.font())
    font.setPointSizeF(base * percent / 100)
    app.setFont(font)


class SettingsDialog(BaseDialog):
    """Signals:
        saved(object): the :class:`HubSettings` now in force.
    """

    saved = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Settings", "Settings", parent,
                         intro="For this laptop and its hub. Choose an area, then Tab to its settings.",
                         ok_text="Save settings", cancel_text="Cancel")
        self.context = context
        self.loaded: HubSettings | None = None
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(em(self, 1.0))
        self.areas = QListWidget()
        self.areas.setAccessibleName("Settings areas")
        self.areas.setMaximumWidth(em(self, 9))
        self.areas.setSpacing(max(2, em(self, 0.2)))  # rows a comfortable target apart
        self.stack = QStackedWidget()
        self.pages: list[SettingsPage] = []
        for page_class in PAGES:
            page = page_class()
            self.pages.append(page)
            self.stack.addWidget(page)
            self.areas.addItem(page.title)
            self.fields.update(page.fields)
        self.areas.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.areas.setCurrentRow(0)
        layout.addWidget(self.areas)
        layout.addWidget(self.stack, 1)
        self.add_widget(row)
        # reading order: the areas, then the page shown (hidden pages are skipped), buttons
        chain: list[QWidget] = [self.error_summary, self.areas]
        for page in self.pages:
            chain += [field.field for field in page.fields.values()]
        chain += [button for button in (self.ok_button, self.cancel_button) if button is not None]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        self.finish_body()
        self.fit_to_screen(46)
        self.set_busy(True)
        self.areas.setFocus(Qt.FocusReason.OtherFocusReason)
        run_db(self, context, load_settings, self._loaded, self._failed)

    def show_area(self, title: str) -> SettingsPage:
        index = next(i for i, page in enumerate(self.pages) if page.title == title)
        self.areas.setCurrentRow(index)
        return self.pages[index]

    def _loaded(self, settings: HubSettings) -> None:
        self.loaded = settings
        for page in self.pages:
            page.load(settings)
        self.set_busy(False)

    def values(self) -> HubSettings:
        joined: dict[str, Any] = {}
        for page in self.pages:
            joined.update(page.values())
        return HubSettings(**joined)

    def accept_requested(self) -> None:
        actor = self.context.actor
        if not self.coordinator_or_say(actor, "Only a coordinator can change the settings."):
            return
        self.clear_errors()
        self.set_busy(True)
        new = self.values()
        run_db(self, self.context, lambda db: save_settings(db, actor, new),
               lambda _changes: self._saved(new), self._failed)

    def _saved(self, settings: HubSettings) -> None:
        self.set_busy(False)
        apply_text_size(settings.text_size_percent)
        self.saved.emit(settings)
        self.done_ok()

    def _failed(self, error: BaseException) -> None:
        self.show_failure(error, self.context.errors.report)
        if isinstance(error, ValidationError):
            for page in self.pages:  # show the first page with a problem
                if any(name in error.field_errors for name in page.fields):
                    self.show_area(page.title)
                    break
