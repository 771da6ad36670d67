"""Watches the server's logs through the whole test run for the synthetic personal
details the tests and the demo data use (names, phone numbers, visitor codes).

``tests/conftest.py`` installs :class:`PersonalDetailWatch` on the server's and
uvicorn's loggers at start-up and fails the run at the end if any line held one
(DESIGN section 9: no personal data in logs).
"""

from __future__ import annotations

import logging
import re

from hubdesk.services.demo import FIRST_NAMES

#: full names and details written by the tests (grep for them when adding new ones)
TEST_DETAILS = ("Margaret Thistlewood", "Doreen Applethwaite", "Fixture Person",
                "called about the foodbank", "K7Q2")
PERSONAL = re.compile(
    r"07700 ?9\d{5}"  # Ofcom's drama numbers, used for every synthetic contact
    + "".join(f"|{re.escape(detail)}" for detail in TEST_DETAILS)
    + "".join(rf"|\b{re.escape(name)}\b" for name in FIRST_NAMES))
WATCHED_LOGGERS = ("hubdesk.server", "uvicorn", "uvicorn.error")


def personal_details_in(text: str) -> list[str]:
    return PERSONAL.findall(text)


class PersonalDetailWatch(logging.Handler):
    """Keeps every log line that holds a synthetic personal detail (and only those)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.leaks: list[str] = []
        self.lines = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a broken log call is not ours to judge here
            return
        self.lines += 1
        if personal_details_in(text):
            self.leaks.append(text[:500])

    def install(self) -> None:
        for name in WATCHED_LOGGERS:
            logger = logging.getLogger(name)
            logger.addHandler(self)
            if logger.getEffectiveLevel() > logging.INFO:
                logger.setLevel(logging.INFO)  # security events and the like are INFO
