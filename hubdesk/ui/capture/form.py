"""Quick visit capture: "Who did you talk to?" — recorded mostly by keyboard in well under a minute.

Keyboard contract (what ``tests/gui/keyboard.py`` relies on):

* focus starts on "How did they come to you?"; closed combo boxes select by typing
  (``w`` = Walk-in, ``6`` = 65–74, ``f`` = Female); the furthest-step combo also takes
  the digits 1–4 (Ask, Assess, Advise, Assist);
* Alt+P ("Find a topic"): type part of a topic, Enter ticks its chip and moves to that
  topic's row (step → response → action by Tab); the chips themselves are one Tab stop,
  arrows move between them and Space toggles;
* Alt+O ("Signpost to a service"): type, Enter adds the first match (Down to choose another);
* **Enter saves** from anywhere (a focused button is pressed instead); in the note
  Ctrl+Enter saves.  A visit with nothing about what was talked about (no topic, no
  signpost, no note, no concern, no details) is not saved by a stray Enter: the form asks,
  with "Add a topic" focused.  Esc clears the form (or cancels an edit), with Undo.
* Tab goes round the whole form in reading order (``tab_chain``); in the main window it
  carries on through the header and the tabs and comes back to the first field.

The unfinished form is autosaved as a draft (``drafts.DraftKeeper``) and restored when the
volunteer unlocks again.  What the form is doing is one ``state.CaptureState``.

Signals:
    saved(str): a visit was saved (its id); the form has already reset for the next person.
    draft_saved(str): the autosaved draft (its id) is committed to the database.
    draft_restored(str): a draft was loaded into the form (its id).
    edit_loaded(str): a visit was loaded for editing (its id).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QPushButton, QToolButton, QWidget
from sqlalchemy.orm import Session

from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.services import access, directory, visits
from hubdesk.services.common import Actor, Changes
from hubdesk.services.visits import VisitForm
from hubdesk.ui.capture.drafts import DraftKeeper, RestoredDraft, is_blank
from hubdesk.ui.capture.errors import ErrorDisplay
from hubdesk.ui.capture.state import CaptureState, EditTarget, Phase, Snapshot
from hubdesk.ui.capture.topics import TopicRow
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import alive_only
from hubdesk.ui.widgets import combo_select, focus_chain_step

NO_SUBSTANCE = ("This visit has no topic and no signpost yet. Add what you talked about, "
                "or save it as it is.")


@dataclass(frozen=True)
class SavedVisit:
    """A save's result: the visit's id, and its Changes (the runner announces them)."""

    visit_id: str
    changes: Changes
    version: int = 1


def has_substance(form: VisitForm) -> bool:
    """Something about the conversation was recorded (a stray Enter cannot have done it all)."""
    return bool(form.topics or form.signposts or form.safeguarding or form.note.strip()
                or form.has_identity or form.follow_up_due is not None)


class VisitCaptureForm(ErrorDisplay):
    saved = Signal(str)
    draft_saved = Signal(str)
    draft_restored = Signal(str)
    edit_loaded = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        self.state = CaptureState()
        super().__init__(context, parent)
        self._actor: Actor | None = None
        self._undo: Snapshot | None = None
        self.drafts = DraftKeeper(context, self.state, self._snapshot, self)
        self.drafts.saved.connect(self.draft_saved)
        self.drafts.restored.connect(self._draft_arrived)
        self.changed.connect(self._changed)
        self.save_requested.connect(self.save)
        self.clear_button.clicked.connect(self.cancel)
        self.undo_button.clicked.connect(self.undo)
        self.ask_add_topic.clicked.connect(self._ask_add_topic)
        self.ask_save_anyway.clicked.connect(lambda: self.save(confirmed=True))
        self.picker.settled.connect(self._picker_settled)
        context.actor_changed.connect(self._on_actor_changed)
        context.session_changed.connect(self._session_changed)
        self._load(VisitForm(), {}, None)
        if context.actor is not None:
            self._on_actor_changed(context.actor)

    # ---- public API -----------------------------------------------------------------

    @property
    def editing(self) -> str | None:
        """The id of the visit being edited (None for a new visit)."""
        return self.state.edit.visit_id if self.state.edit else None

    @property
    def draft_id(self) -> str:
        return self.state.draft_id

    def topic_row(self, topic: str) -> TopicRow | None:
        return self.topics.row(topic)

    def collect(self) -> VisitForm:
        """The form's answers as a VisitForm (not yet normalised)."""
        contact_mode = self.contact_mode.currentData() or ""
        return VisitForm(
            contact_mode=contact_mode,
            referral_source=self.referral.currentData() if contact_mode == "referred_in" else None,
            age_band=self.age_band.currentData(), sex=self.sex.currentData(),
            first_visit=self.first_visit.currentData(), visitor_code=self.visitor_code.text(),
            postcode_district=self.postcode.text(), topics=self.topics.answers(),
            signposts=self.picker.signposts(), agreements=self.identity.agreements(),
            preferred_name=self.preferred_name.text(), contact=self.contact.text(),
            follow_up_due=self.identity.follow_up_due_date(),
            follow_up_method=self.follow_up_method.currentData(),
            safeguarding=self.safeguarding.isChecked(), note=self.note.toPlainText(),
        )

    def edit_visit(self, visit_id: str, seen_version: int | None = None) -> None:
        """Load a saved visit for editing; saving makes its next version on the version the
        form opened (its content and number are read together).  ``seen_version`` is the
        version a list showed: when the visit has moved on since, the form says so.

        An unfinished new visit is kept as its draft and comes back when the edit ends.
        """
        self.drafts.flush()
        actor = self.context.actor
        if actor is None:
            return

        def load(db: Session) -> tuple[VisitForm, int, dict[str, str]]:
            # the role check, the note withheld from a volunteer, the audited view
            form = access.open_visit(db, actor, visit_id)
            names = directory.services_by_ids(db, [s.service_id for s in form.signposts])
            return form, visits.visit_version(db, visit_id), names

        def loaded(result: tuple[VisitForm, int, dict[str, str]]) -> None:
            form, version, names = result
            previous = self._snapshot()
            parked = previous.edit is None and not is_blank(previous.form)
            dropped = previous if previous.edit is not None else None
            if dropped is not None:
                self.drafts.discard()  # unsaved changes to the visit open before (undo-able)
            self.drafts.stop()
            self.state.new_draft()
            self._load(form, names, EditTarget(visit_id, version))
            if parked:
                self._show_banner("Your unfinished visit is kept: it comes back when you "
                                  "finish this edit.")
            elif dropped is not None:
                self._offer_undo("Changes you had not saved to the other visit were put away.", dropped)
            elif seen_version and version != seen_version:
                self._show_banner(f"This visit was changed since the list was shown: you are "
                                  f"changing version {version}, with those changes.")
            else:
                self._show_banner("")
            self.focus_first()
            self.edit_loaded.emit(visit_id)

        self.context.runner.run_db(load, alive_only(self, loaded))

    def save(self, *, confirmed: bool = False) -> None:
        """Validate, ask if nothing about the conversation was recorded, then save on the
        database lane (the runner announces the Changes it returns)."""
        if self.state.phase is Phase.SAVING:
            return
        if self.picker.pick_pending:  # Enter right after typing a service: add it first
            self.state.wait_for_pick()
            return
        actor, edit = self.context.actor, self.state.edit
        form = visits.normalise(self.collect())
        errors = visits.validate_visit(form)
        if actor is None:
            errors = {"session": "Unlock with your PIN before saving.", **errors}
        elif edit is None and not self.context.session_id:
            errors = {"session": "Open a session before recording visits.", **errors}
        if errors:
            self.state.back_to_ready()
            self.show_errors(errors)
            return
        if edit is None and not confirmed and not has_substance(form):
            self._ask()
            return
        assert actor is not None
        self._hide_ask()
        self.state.start_saving()
        self.save_button.setEnabled(False)
        self.drafts.stop()
        draft_id, session_id = self.state.draft_id, self.context.session_id or ""

        def work(db: Session) -> SavedVisit:
            if edit is not None:
                changes = access.save_visit_edit(db, actor, edit.visit_id, form,
                                                 base_version=edit.base_version)
                visits.discard_draft(db, draft_id)
                return SavedVisit(edit.visit_id, changes, visits.visit_version(db, edit.visit_id))
            changes = visits.record_visit(db, actor, session_id, form, draft_id=draft_id)
            return SavedVisit(changes.primary_id, changes)

        def done(result: SavedVisit) -> None:
            self.state.back_to_ready()
            self.save_button.setEnabled(True)
            self._after_save(form, result, edit)

        def failed(error: BaseException) -> None:
            self.state.back_to_ready()
            self.save_button.setEnabled(True)
            if isinstance(error, ValidationError):
                self.show_errors(error.field_errors)
            elif isinstance(error, NotFoundError):
                self.show_errors({"session": str(error)})
            else:
                self.context.errors.report(error)

        self.context.runner.run_db(work, alive_only(self, done), alive_only(self, failed))

    def cancel(self) -> None:
        """Esc: cancel an edit, or clear the form; both can be undone."""
        snapshot = self._snapshot()
        self._hide_ask()
        if not self.state.editing and is_blank(snapshot.form):
            self.clear_errors()
            self.focus_first()
            return
        was_edit = self.state.editing
        self._reset()
        self.drafts.discard()
        self.state.new_draft()
        message = "Edit cancelled; the saved visit is unchanged." if was_edit else "Form cleared."
        self._offer_undo(message, snapshot)
        self.focus_first()
        if was_edit and self.context.actor is not None:
            self._restore_prefix = message
            self.drafts.restore(self.context.actor)

    def undo(self) -> None:
        snapshot, self._undo = self._undo, None
        self.undo_button.hide()
        if snapshot is None:
            return
        self.drafts.flush()
        # whatever is on screen now keeps its own draft; what comes back gets a new one
        self.drafts.stop()
        self.state.new_draft()
        self._load(VisitForm.from_dict(snapshot.form), snapshot.names, snapshot.edit)
        self._show_banner("Brought back.")
        self.drafts.schedule()
        self.focus_first()

    def flush_draft(self) -> None:
        """Save the draft now if a change is waiting (e.g. before locking or closing)."""
        self.drafts.flush()

    save_draft_now = flush_draft  # the main window calls it when closing

    # ---- reacting to input ------------------------------------------------------------

    def _changed(self) -> None:
        if self.state.is_loading:
            return
        if self.state.phase is Phase.ASKING:
            self._hide_ask()
        if self._errors:
            self._recheck_errors()
        if self.banner.isVisible() and not self.undo_button.isVisible():
            self.banner.hide()
        self.drafts.schedule()

    def _session_changed(self, _session_id: str | None) -> None:
        if self._errors:
            self._recheck_errors()

    def _picker_settled(self) -> None:
        if self.state.phase is Phase.PICKING:
            self.state.back_to_ready()
            self.save()

    def _ask(self) -> None:
        self.state.ask()
        self.ask_box.ask(NO_SUBSTANCE, self.ask_add_topic)

    def _hide_ask(self) -> None:
        if self.state.phase is Phase.ASKING:
            self.state.back_to_ready()
        self.ask_box.hide()

    def _ask_add_topic(self) -> None:
        self._hide_ask()
        self.topic_finder.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---- keys -------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and mods in (
                Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier):
            focus = QApplication.focusWidget()
            pressable = isinstance(focus, QToolButton) or (
                isinstance(focus, QPushButton) and focus.objectName() != "topicChip"
                and focus is not self.save_button)
            if pressable and isinstance(focus, QAbstractButton) and focus.isEnabled():
                focus.click()
            else:
                self.save()
            event.accept()
            return
        if key == Qt.Key.Key_Escape and mods == Qt.KeyboardModifier.NoModifier:
            self.cancel()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab follows ``tab_chain``; inside the main window the window goes on round."""
        if self.window() is not self:
            return super().focusNextPrevChild(next)
        return focus_chain_step(self.tab_chain(), next) or super().focusNextPrevChild(next)

    # ---- loading, resetting, the banner -------------------------------------------------

    def _load(self, form: VisitForm, names: dict[str, str], edit: EditTarget | None) -> None:
        with self.state.loading():
            self.state.edit = edit
            combo_select(self.contact_mode, form.contact_mode or None)
            combo_select(self.referral, form.referral_source)
            combo_select(self.age_band, form.age_band)
            combo_select(self.sex, form.sex)
            combo_select(self.first_visit, form.first_visit)
            self.visitor_code.setText(form.visitor_code)
            self.postcode.setText(form.postcode_district)
            self.topics.load(form.topics)
            self.picker.clear()
            self.picker.set_topics(self.topics.checked())
            self.picker.set_signposts(form.signposts, names)
            self.identity.load(form)
            self.safeguarding.setChecked(form.safeguarding)
            self.note.setPlainText(form.note)
            self.set_mode_texts(edit.base_version if edit else None)
            self.refresh_tab_order()
        self._hide_ask()
        self.clear_errors()

    def _reset(self) -> None:
        self.drafts.stop()
        self._load(VisitForm(), {}, None)

    def _snapshot(self) -> Snapshot:
        form = self.collect()
        names = dict(zip([s.service_id for s in form.signposts], self.picker.chosen_names(), strict=False))
        return Snapshot(form.to_dict(), self.state.edit, names)

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.undo_button.hide()
        self._undo = None

    def _offer_undo(self, text: str, snapshot: Snapshot) -> None:
        self.banner.setText(text)
        self.banner.show()
        self._undo = snapshot
        self.undo_button.show()

    def _after_save(self, form: VisitForm, result: SavedVisit, edit: EditTarget | None) -> None:
        topics, signposts = len(form.topics), len(form.signposts)
        counts = (f"{topics} topic{'s' if topics != 1 else ''}, "
                  f"{signposts} signpost{'s' if signposts != 1 else ''}")
        if edit is not None:
            text = (f"✓ Saved: your edit made version {result.version} of the visit — {counts}"
                    if result.changes.kinds
                    else f"Nothing changed; the visit stays at version {result.version}.")
        else:
            text = f"✓ Saved: visit at {self.context.hub_time():%H:%M} — {counts}"
        if form.safeguarding:
            text += ". Safeguarding alert raised: tell the coordinator now."
        self.state.new_draft()
        self._reset()
        self._show_banner(text)
        self.status.setText("")
        self.focus_first()
        if edit is not None and self.context.actor is not None:  # a visit parked for the edit
            self._restore_prefix = text
            self.drafts.restore(self.context.actor)
        self.saved.emit(result.visit_id)

    # ---- drafts -----------------------------------------------------------------------

    _restore_prefix = ""

    def _on_actor_changed(self, actor: Actor | None) -> None:
        previous = self._actor
        if previous is not None and self.drafts.waiting:
            self.drafts.stop()
            self.drafts.save_now(previous)
        if previous is not None and previous != actor:
            self.state.new_draft()
            self._reset()
            self._show_banner("")
        self._actor = actor
        if actor is not None and (previous is None or previous.volunteer_id != actor.volunteer_id):
            self._restore_prefix = ""
            self.drafts.restore(actor)

    def _draft_arrived(self, restored: RestoredDraft) -> None:
        prefix, self._restore_prefix = self._restore_prefix, ""
        if not is_blank(self._snapshot().form) or self.state.editing:
            return  # the volunteer already started typing: keep what is on screen
        draft = restored.draft
        self.state.draft_id, self.state.draft_stored = draft.id, True
        self._load(VisitForm.from_dict(draft.form), restored.snapshot.names, restored.snapshot.edit)
        text = (f"We kept the visit you had not finished (last changed "
                f"{self.context.hub_time(draft.updated_at):%H:%M}). Carry on, or press Esc "
                "to clear it.")
        text = f"{prefix} {text}" if prefix else text
        if self._undo is not None:
            self._offer_undo(text, self._undo)
        else:
            self._show_banner(text)
        self.draft_restored.emit(draft.id)
