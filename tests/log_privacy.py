"""No personal data in any log (DESIGN section 9, issue 8): one watch over the whole
test run.

- :class:`PersonalDetailWatch` sees every log record (the root logger at DEBUG, and
  uvicorn's loggers, which do not propagate) and keeps the lines holding a synthetic
  personal detail the tests or the demo data use (names, phone numbers, visitor codes,
  notes).  ``tests/conftest.py`` fails the test in which one was logged.
- :func:`scan_log_files` reads every HubDesk log file the run's programs (the command
  line, the app in a subprocess) wrote under the run's temp folder, at the end.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from hubdesk.services.demo import FIRST_NAMES

#: full names, notes and details written by the tests (grep for them when adding new ones)
TEST_DETAILS = ("Margaret Thistlewood", "Doreen Applethwaite", "Fixture Person",
                "called about the foodbank", "K7Q2", "Ada Testperson",
                "Restricted note about Ada", "Synthetic note for the fixture",
                "Lost her husband", "Worried about her", "Maggie")
PERSONAL = re.compile(
    r"07700 ?9\d{5}"  # Ofcom's drama numbers, used for every synthetic contact
    + "".join(f"|{re.escape(detail)}" for detail in TEST_DETAILS)
    + "".join(rf"|\b{re.escape(name)}\b" for name in FIRST_NAMES))
#: loggers that do not propagate to the root (uvicorn's own configuration)
NON_PROPAGATING = ("uvicorn", "uvicorn.error", "uvicorn.access")


def personal_details_in(text: str) -> list[str]:
    return PERSONAL.findall(text)


class PersonalDetailWatch(logging.Handler):
    """Keeps every log line that holds a synthetic personal detail (and only those)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.leaks: list[str] = []
        self.lines = 0
        self._last: logging.LogRecord | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record is self._last:  # one record reaching the watch through two loggers
            return
        self._last = record
        try:
            text = self.format(record)
        except Exception:  # a broken log call is not ours to judge here
            return
        self.lines += 1
        if personal_details_in(text):
            self.leaks.append(text[:500])

    def install(self) -> None:
        logging.getLogger().addHandler(self)
        logging.getLogger("hubdesk").setLevel(logging.DEBUG)  # scan what DEBUG would write too
        for name in NON_PROPAGATING:
            logger = logging.getLogger(name)
            logger.addHandler(self)
            if logger.getEffectiveLevel() > logging.INFO:
                logger.setLevel(logging.INFO)  # security events and the like are INFO


def scan_log_files(folder: Path) -> list[str]:
    """``file: detail`` for every personal detail in a log file under ``folder``."""
    leaks = []
    for path in folder.rglob("*.log*"):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        leaks += [f"{path.name}: {found}" for found in personal_details_in(text)]
    return leaks
