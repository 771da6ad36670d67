"""The "choose a PIN" pair (PIN and PIN again) of the first-run and join screens."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QLineEdit

from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.widgets import line_edit

PINS_DIFFER = "The two PINs are different. Type the same PIN twice."
PIN_HINT = "6 to 12 digits, or a passphrase of 12 characters or more"


def add_new_pin_fields(dialog: BaseDialog, label: str = "Choose a PIN",
                       hint: str = PIN_HINT) -> tuple[QLineEdit, QLineEdit]:
    """Add the "pin" and "pin_confirm" fields (hidden typing) to ``dialog``."""
    pin = line_edit(max_length=128)
    pin.setEchoMode(QLineEdit.EchoMode.Password)
    dialog.add_field("pin", label, pin, hint)
    confirm = line_edit(max_length=128)
    confirm.setEchoMode(QLineEdit.EchoMode.Password)
    dialog.add_field("pin_confirm", "Type the PIN again", confirm)
    return pin, confirm


def with_pin_confirmed(dialog: BaseDialog, errors: Mapping[str, str], pin: str,
                       confirm: str) -> dict[str, str]:
    """``errors`` plus "the two PINs differ", in the order the fields are on screen."""
    found = dict(errors)
    if "pin" not in found and confirm != pin:
        found["pin_confirm"] = PINS_DIFFER
    order = list(dialog.fields)
    return dict(sorted(found.items(), key=lambda item: order.index(item[0])
                       if item[0] in order else len(order)))
