"""A small shared base for HubDesk dialogs (composed by each dialog, after Picard's).

Gives every dialog the same shape: one heading, an optional intro line, the error
summary at the top, a scrollable body of labelled fields (so nothing is clipped on a
1366×768 screen at 150 % font), and OK / Cancel buttons where Enter means OK and
Esc means cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeGuard, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hubdesk.core.errors import UserFacingError, ValidationError
from hubdesk.services.common import Actor
from hubdesk.ui.models import RowListModel
from hubdesk.ui.widgets import ErrorSummary, Heading, HintLabel, LabelledField, em, set_dynamic_property

RowT = TypeVar("RowT")


class BaseDialog(QDialog):
    """Heading, error summary, scrollable body, OK/Cancel (Enter = OK, Esc = cancel).

    Subclasses add fields with :meth:`add_field` and override :meth:`accept_requested`
    (validate; show errors with :meth:`show_errors`; call :meth:`done_ok` when finished).
    """

    def __init__(self, title: str, heading: str, parent: QWidget | None = None, *,
                 intro: str = "", ok_text: str = "OK", cancel_text: str | None = "Cancel") -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{title} – HubDesk")
        self.setModal(True)
        self.fields: dict[str, LabelledField] = {}
        outer = QVBoxLayout(self)
        margin = em(self, 1.0)
        outer.setContentsMargins(margin, margin, margin, margin)
        outer.setSpacing(em(self, 0.6))
        self.heading = Heading(heading)
        outer.addWidget(self.heading)
        self.intro = HintLabel(intro)
        self.intro.setVisible(bool(intro))
        outer.addWidget(self.intro)
        self.error_summary = ErrorSummary()
        outer.addWidget(self.error_summary)

        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, em(self, 0.3), em(self, 0.5), 0)
        self.body_layout.setSpacing(em(self, 0.8))
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.body)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self.scroll_area, 1)

        self.buttons = QDialogButtonBox()
        self.ok_button = QPushButton(ok_text)
        self.ok_button.setDefault(True)
        self.ok_button.setAutoDefault(True)
        set_dynamic_property(self.ok_button, "primary", True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button: QPushButton | None = None
        if cancel_text is not None:
            self.cancel_button = QPushButton(cancel_text)
            self.cancel_button.setAutoDefault(False)
            self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept_requested)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self._busy = False

    # ---- building -----------------------------------------------------------------

    def add_field(self, name: str, label: str, field: QWidget, hint: str = "") -> LabelledField:
        labelled = LabelledField(label, field, hint, name=name)
        self.fields[name] = labelled
        self.body_layout.addWidget(labelled)
        return labelled

    def add_widget(self, widget: QWidget) -> None:
        self.body_layout.addWidget(widget)

    def finish_body(self) -> None:
        """Call after adding fields: pushes them to the top and sizes the dialog."""
        self.body_layout.addStretch(1)
        self.fit_to_screen()

    def fit_to_screen(self, width_em: float = 30.0) -> None:
        """A comfortable width in em; height to content, never taller than the screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen else None
        width = em(self, width_em)
        # the scroll area's own hint is capped, so add the body's full height instead
        chrome = self.sizeHint().height() - self.scroll_area.sizeHint().height()
        height = chrome + self.body.sizeHint().height() + em(self, 1.0)
        if available is not None:
            width = min(width, available.width() - 40)
            height = min(height, available.height() - 80)
        self.resize(width, max(height, em(self, 12)))

    def refit(self) -> None:
        """Grow (never shrink) to show new content such as errors or a loaded summary.

        Deferred one turn of the event loop: widgets added to a visible layout are
        shown (and get a size) only then.
        """
        QTimer.singleShot(0, self, self._grow)

    def _grow(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        chrome = self.sizeHint().height() - self.scroll_area.sizeHint().height()
        needed = chrome + self.body.sizeHint().height() + em(self, 1.0)
        if screen is not None:
            needed = min(needed, screen.availableGeometry().height() - 80)
        if needed > self.height():
            self.resize(self.width(), needed)

    def show_rows_or_empty(self, has_rows: bool, empty_note: QWidget,
                           *row_widgets: QWidget) -> None:
        """A review list's two states: its rows (``row_widgets`` and OK shown), or only
        ``empty_note`` with Close as the default and focused (Enter then closes)."""
        for widget in row_widgets:
            widget.setVisible(has_rows)
        empty_note.setVisible(not has_rows)
        self.ok_button.setVisible(has_rows)
        if not has_rows and self.cancel_button is not None:
            self.cancel_button.setDefault(True)
            self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def load_review_list(self, view: QAbstractItemView, model: RowListModel[RowT],
                         rows: Sequence[RowT]) -> RowT | None:
        """Fill a review list (the row that was current stays current); its first filling
        puts the focus in the list.  Returns the current row (None when empty)."""
        current = model.set_rows_keeping(view, rows)
        if not getattr(self, "_review_list_filled", False):
            self._review_list_filled = True
            view.setFocus(Qt.FocusReason.OtherFocusReason)
        return current

    # ---- errors -------------------------------------------------------------------

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Errors next to their fields and summarised at the top (focus goes to the summary)."""
        known = {name: field.field for name, field in self.fields.items()}
        for name, field in self.fields.items():
            field.set_error(errors.get(name))
        self.error_summary.set_errors(errors, known)
        self.scroll_area.ensureVisible(0, 0)
        self.refit()

    def show_failure(self, error: BaseException, report: Callable[[BaseException], None], *,
                     refusals_here: bool = False) -> None:
        """A save that failed: refused input is shown by its fields; anything else goes to
        ``report`` (the app's error reporter).  The dialog is usable again either way.

        ``refusals_here``: other plain refusals (``UserFacingError``, e.g. a volunteer
        trying a coordinator's action) are shown at the top of the dialog too."""
        self.set_busy(False)
        if isinstance(error, ValidationError):
            self.show_errors(error.field_errors)
            return
        if refusals_here and isinstance(error, UserFacingError):
            self.show_errors({"": str(error)})
            return
        report(error)

    def coordinator_or_say(self, actor: Actor | None, refusal: str) -> TypeGuard[Actor]:
        """True for a coordinator; otherwise ``refusal`` is shown at the top (the
        service refuses too: this only says it before anything is sent)."""
        if actor is not None and actor.is_coordinator:
            return True
        self.show_errors({"": refusal})
        return False

    def clear_errors(self) -> None:
        for field in self.fields.values():
            field.set_error(None)
        self.error_summary.clear_errors()

    # ---- busy / accept ------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        """While a save runs: the OK button is disabled so Enter cannot save twice."""
        self._busy = busy
        self.ok_button.setEnabled(not busy)

    @property
    def busy(self) -> bool:
        return self._busy

    def accept_requested(self) -> None:
        """Enter / OK. Default: accept; subclasses validate and save first."""
        self.done_ok()

    def done_ok(self) -> None:
        super().accept()

    def accept(self) -> None:
        """Route every accept (Enter, default button) through :meth:`accept_requested`."""
        if not self._busy:
            self.accept_requested()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            focus = self.focusWidget()
            # a focused ordinary button (e.g. "Add a venue") acts on Enter itself
            if isinstance(focus, QPushButton) and focus is not self.ok_button and focus.isEnabled():
                focus.click()
                return
            if not self._busy:
                self.accept_requested()
            return
        super().keyPressEvent(event)
