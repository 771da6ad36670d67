"""The run-wide watch for personal details in server logs catches one (and not ids)."""

from __future__ import annotations

import logging

from tests.log_privacy import PersonalDetailWatch, personal_details_in


def test_the_watch_catches_a_name_or_a_phone_number_and_nothing_else() -> None:
    watch = PersonalDetailWatch()
    logger = logging.getLogger("tests.log-privacy-check")  # not a watched logger
    logger.addHandler(watch)
    logger.setLevel(logging.INFO)
    try:
        logger.info("batch 01a2 from device 01a3: 12 accepted, code K7QM-3XPA-9RTD")
        logger.warning("security bad_token device=- address=9a246ecb22264194")
        assert watch.leaks == [] and watch.lines == 2
        logger.warning("note: Eileen rang from 07700 900123")
        assert len(watch.leaks) == 1
    finally:
        logger.removeHandler(watch)
    assert personal_details_in("Margaret Thistlewood") and not personal_details_in("Model")
