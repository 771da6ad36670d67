"""Directory suggestions: coordinators only, refused input said field by field, a synced
record (outbox, gap-free sequence) with its audit event in the same transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hubdesk.core.errors import ValidationError
from hubdesk.protocol.services import suggestion_problem
from hubdesk.services import suggestions
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.services.suggestions import ProposedChange
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent, OutboxItem, Service, Suggestion
from tests.conftest import Hub

CITIZENS_ADVICE = "Citizens Advice"


def _service(store: Store, name: str = CITIZENS_ADVICE) -> Service:
    with store.unit_of_work() as db:
        service = db.scalars(select(Service).where(Service.name == name)).one()
        db.expunge(service)
        return service


def _entry(service: Service, **changes: object) -> dict[str, object]:
    details: dict[str, object] = {key: getattr(service, key) for key in (
        "name", "organisation", "description", "phone", "web", "email", "opening_times", "area",
        "eligibility", "access")}
    details["categories"] = list(service.categories)
    return {**details, **changes}


def _outbox(store: Store) -> list[OutboxItem]:
    with store.unit_of_work() as db:
        items = list(db.scalars(select(OutboxItem).order_by(OutboxItem.seq)))
        db.expunge_all()
        return items


def test_a_correction_queues_only_what_changed_with_its_audit_event(store: Store, hub: Hub) -> None:
    service = _service(store)
    before = _outbox(store)
    with store.unit_of_work() as db:
        made = suggestions.propose(db, hub.actor, ProposedChange(
            "correct", service.id, "  the number changed\n in May ",
            _entry(service, phone=" 0300 330 1313 ", opening_times="Mon–Thu 9am–4pm")))
    assert made.changes.kinds == {"suggestion"} and made.changes.primary_id == made.suggestion_id
    after = _outbox(store)
    assert [item.seq for item in after] == list(range(1, len(before) + 2))  # gap-free
    item = after[-1]
    assert (item.kind, item.record_id, item.version, item.state) == (
        "suggestion", made.suggestion_id, 1, "pending")
    fields = item.payload["fields"]
    assert fields == {"hub_id": fields["hub_id"], "action": "correct", "service_id": service.id,
                      "reason": "the number changed in May", "phone": "0300 330 1313",
                      "opening_times": "Mon–Thu 9am–4pm"}
    assert suggestion_problem(fields) is None
    with store.unit_of_work() as db:
        event = db.scalars(select(AuditEvent).where(
            AuditEvent.entity_id == made.suggestion_id)).one()
        assert (event.action, event.entity_kind, event.actor_id) == (
            "create", "suggestion", hub.actor.volunteer_id)
        [row] = suggestions.list_suggestions(db, service.id)
    assert row.changed == ("Phone", "Opening times")
    assert row.words.startswith("Suggested on ") and row.words.endswith(
        "waiting for the council (it goes at the next sync)")


def test_a_volunteer_cannot_suggest_and_nothing_is_written(store: Store, hub: Hub) -> None:
    volunteer = Actor(hub.actor.volunteer_id, hub.actor.device_id, "Val", "volunteer")
    service = _service(store)
    before = len(_outbox(store))
    with pytest.raises(PermissionDenied), store.unit_of_work() as db:
        suggestions.propose(db, volunteer, ProposedChange("pause", service.id, "on holiday"))
    assert len(_outbox(store)) == before


@pytest.mark.parametrize(("action", "changes", "reason", "fields"), [
    ("correct", {}, "", [""]),  # nothing differs
    ("correct", {"name": ""}, "", ["name"]),
    ("correct", {"email": "not an address", "phone": "1" * 41}, "", ["phone", "email"]),
    ("correct", {"categories": []}, "", ["categories"]),
    ("pause", {}, "", ["reason"]),
    ("reopen", {}, "it is back", ["action"]),  # it is running already
    ("close", {}, "x" * 501, ["reason"]),
])
def test_bad_suggestions_are_refused_field_by_field(store: Store, hub: Hub, action: str,
                                                    changes: dict[str, object], reason: str,
                                                    fields: list[str]) -> None:
    service = _service(store)
    before = len(_outbox(store))
    details = _entry(service, **changes) if action == "correct" else {}
    with pytest.raises(ValidationError) as refused, store.unit_of_work() as db:
        suggestions.propose(db, hub.actor, ProposedChange(action, service.id, reason, details))
    assert sorted(refused.value.field_errors) == sorted(fields)
    assert len(_outbox(store)) == before


def test_a_new_service_needs_a_name_and_a_category_then_is_listed(store: Store, hub: Hub) -> None:
    with pytest.raises(ValidationError) as refused, store.unit_of_work() as db:
        suggestions.propose(db, hub.actor, ProposedChange("add", details={"name": " "}))
    assert list(refused.value.field_errors) == ["name", "categories"]  # the form's order
    with store.unit_of_work() as db:
        made = suggestions.propose(db, hub.actor, ProposedChange("add", None, "", {
            "name": "Knit and natter", "categories": ["social"], "area": "Stevenage",
            "opening_times": "Thu 2-4", "phone": "", "access": "self_refer"}))
        [row] = suggestions.list_suggestions(db)
        suggestion = db.scalars(select(Suggestion)).one()
    assert (row.id, row.action, row.service_name) == (made.suggestion_id, "add", "Knit and natter")
    assert suggestion.phone is None and suggestion.service_id is None  # only what it proposes
    [item] = [i for i in _outbox(store) if i.kind == "suggestion"]
    assert "phone" not in item.payload["fields"] and "service_id" not in item.payload["fields"]
    assert suggestion_problem(item.payload["fields"]) is None


def test_pausing_then_reopening_follows_the_entrys_status(store: Store, hub: Hub) -> None:
    paused = _service(store, "SAMPLE – Men's Shed (paused)")
    with store.unit_of_work() as db:
        suggestions.propose(db, hub.actor, ProposedChange("reopen", paused.id, ""))
        with pytest.raises(ValidationError):
            suggestions.propose(db, hub.actor, ProposedChange("pause", paused.id, "again"))
    with store.unit_of_work() as db:
        count = db.scalar(select(func.count()).select_from(Suggestion))
    assert count == 1
