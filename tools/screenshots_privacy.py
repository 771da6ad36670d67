"""Screenshots of the privacy screens at 1366×768, 100 % and 150 % font (issue 8):
the PIN screen (empty, wrong PIN), volunteer management (list, add with errors), and
the main window after the idle auto-lock.

    .venv/bin/python tools/screenshots_privacy.py [--out docs/screenshots]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

from tools.screenshots import WINDOW_H, WINDOW_W, ScreenshotKit, run_tool


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from PySide6.QtWidgets import QApplication

    from hubdesk.ui.lock.idle import IdleLock
    from hubdesk.ui.lock.pin_screen import PinScreen
    from hubdesk.ui.main_window import MainWindow
    from hubdesk.ui.volunteers_dialog import VolunteerFormDialog, VolunteersDialog

    kit = ScreenshotKit(data_dir, out, scale)

    def shown(widget: Any) -> Any:
        widget.show()
        widget.activateWindow()
        kit.settle()
        return widget

    # ---- the PIN screen (the first window at start-up) ---------------------------------
    pin = PinScreen(kit.paths)
    pin.resize(WINDOW_W, WINDOW_H)
    shown(pin)
    kit.save(pin, "pin-screen")
    pin.name.setText("Val Volunteer")
    pin._show_errors({"pin": "That name and PIN do not match. Check both and try again."})
    kit.save(pin, "pin-screen-wrong-pin")
    pin._show_errors({"pin": "Too many wrong PINs for Val Volunteer. Try again in 5 minutes, "
                             "or ask the coordinator."})
    kit.save(pin, "pin-screen-lockout")
    pin.close()

    coordinator, _volunteer = kit.first_run()
    kit.context.set_actor(coordinator)

    # ---- volunteer management ------------------------------------------------------------
    dialog = shown(VolunteersDialog(kit.context))
    kit.save(dialog, "volunteers")
    form = shown(VolunteerFormDialog(dialog, "Add a volunteer", ask_name=True, ask_pin=True,
                                     ok_text="Add"))
    form.name.setText("Sam")
    form.pin.setText("12")
    form.accept_requested()
    kit.save(form, "volunteers-add-errors")
    form.close()
    dialog.close()

    # ---- the idle auto-lock ----------------------------------------------------------------
    window = MainWindow(kit.context)
    window.resize(WINDOW_W, WINDOW_H)
    shown(window)
    window.unlocked(coordinator)
    kit.settle(400)
    window.capture.visitor_code.setText("ZX-42")
    idle = IdleLock(window, minutes=0.005)
    while not window.is_locked:
        QApplication.processEvents()
        kit.settle(50)
    idle.stop()
    kit.settle(300)
    kit.save(window, "auto-locked")
    if window.dialog is not None:
        kit.save(window.dialog, "auto-locked-unlock")
    kit.close(window)


if __name__ == "__main__":
    run_tool(__file__, shoot, __doc__)
