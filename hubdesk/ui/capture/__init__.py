"""The visit capture screen: ``VisitCaptureForm`` and its parts.

* ``form`` — the form's behaviour: save, cancel, undo, errors, drafts, keys;
* ``layout`` — its widgets and how they sit, Tab order and focus;
* ``errors`` — errors next to fields and in the summary, cleared when fixed;
* ``state`` — what the form is doing (an enum) and which visit/version it edits;
* ``drafts`` — autosave and restore of the unfinished visit;
* ``topics`` / ``identity`` — the topic rows and the contact-details section;
* ``widgets`` — small building blocks (chips, combo boxes, the note box).
"""

from hubdesk.ui.capture.form import VisitCaptureForm

__all__ = ["VisitCaptureForm"]
