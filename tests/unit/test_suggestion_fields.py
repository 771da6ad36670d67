"""The wire rules of a coordinator's directory suggestion (record kind ``suggestion``)."""

from __future__ import annotations

import pytest

from hubdesk.protocol.services import suggestion_problem

HUB = "0190a000-0000-7000-8000-000000000001"


def test_a_correction_naming_its_service_passes() -> None:
    fields = {"hub_id": HUB, "action": "correct", "service_id": "mind-herts",
              "phone": "01438 000 000", "reason": "the number changed in May"}
    assert suggestion_problem(fields) is None


def test_an_addition_needs_a_name_and_a_category() -> None:
    assert suggestion_problem({"hub_id": HUB, "action": "add", "name": "Chat club"}) == \
        "a new service needs at least one category."
    assert suggestion_problem({"hub_id": HUB, "action": "add", "categories": ["mental_health"]}) \
        == "a new service needs a name."


@pytest.mark.parametrize(("fields", "words"), [
    ({"hub_id": HUB, "action": "delete", "service_id": "x"}, "not one of add"),
    ({"hub_id": HUB, "action": "close"}, "which service"),
    ({"action": "close", "service_id": "x"}, "no hub"),
    ({"hub_id": HUB, "action": "correct", "service_id": "x", "phone": "1" * 41}, "phone"),
    ({"hub_id": HUB, "action": "correct", "service_id": "x", "categories": ["nonsense"]},
     "category"),
    ({"hub_id": HUB, "action": "correct", "service_id": "x", "access": "teleport"}, "access"),
])
def test_a_bad_suggestion_is_refused_with_a_reason(fields: dict[str, object], words: str) -> None:
    problem = suggestion_problem(fields)
    assert problem is not None and words in problem
