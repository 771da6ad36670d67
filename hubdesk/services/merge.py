"""An edit on a stale base merges (DESIGN §4), at the level of the whole visit form.

A form remembers the visit version it was opened on (its *base*).  When the visit
has moved on since (a coordinator's edit, a download, another volunteer), the
three forms are compared field by field (``core.merge``): the base as it stood,
the form being saved (*this laptop's* side) and the visit as it is now (the
*other* side).  A field changed on one side takes that side's value; the same
field changed on both sides keeps the current value in the new version and both
values in a ``RecordConflict`` (level ``form``) for a coordinator.

The base form is rebuilt from the versions in the store: the visit's version
``base`` itself, and its part-records (conversations, signposts, agreements,
follow-up, person) as they stood before the visit's next version was made (an
edit stamps the visit's version before its part-records, see ``edit_visit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy.orm import Session

from hubdesk.core.errors import NotFoundError
from hubdesk.core.merge import Clash, three_way_merge
from hubdesk.services.visit_form import AgreementAnswer, SignpostAnswer, TopicAnswer, VisitForm
from hubdesk.store import conflict_repo
from hubdesk.store.models import (
    Agreement,
    Conversation,
    FollowUp,
    Person,
    SignpostingOutcome,
    Visit,
)

#: part-records of one visit edit are written within this of its visit version (the
#: same transaction); bounded by the next version's time
_EDIT_WINDOW = timedelta(seconds=1)


def form_from_parts(visit: Visit, conversations: Sequence[Conversation],
                    outcomes: Sequence[SignpostingOutcome], agreements: Sequence[Agreement],
                    person: Person | None, follow_ups: Sequence[FollowUp]) -> VisitForm:
    """A visit and its part-records as the form that edits them."""
    by_topic = {c.topic: c for c in conversations}
    topic_by_conversation = {c.record_id: c.topic for c in conversations}
    return VisitForm(
        contact_mode=visit.contact_mode,
        referral_source=visit.referral_source,
        age_band=visit.age_band,
        sex=visit.sex,
        first_visit=visit.first_visit,
        visitor_code=visit.visitor_code or "",
        postcode_district=visit.postcode_district or "",
        topics=[
            TopicAnswer(t, by_topic[t].furthest_step, by_topic[t].intervention_level,
                        by_topic[t].response, by_topic[t].action)
            if t in by_topic else TopicAnswer(t)
            for t in visit.topics
        ],
        signposts=[
            SignpostAnswer(o.service_id, o.kind, topic_by_conversation.get(o.conversation_id or ""),
                           o.status)
            for o in outcomes
        ],
        agreements=[AgreementAnswer(a.purpose, a.given, a.method)
                    for a in agreements if not a.deleted],
        preferred_name=person.preferred_name if person and not person.deleted else "",
        contact=person.contact if person and not person.deleted else "",
        follow_up_due=follow_ups[0].due_date if follow_ups else None,
        follow_up_method=follow_ups[0].method if follow_ups else "phone",
        safeguarding=visit.safeguarding,
        note=visit.note,
    )


def visit_form_at(db: Session, visit_id: str, version: int) -> VisitForm:
    """The visit as it stood at ``version`` (for the base of a stale edit)."""
    visit = cast(Visit | None, conflict_repo.version_row(db, "visit", visit_id, version))
    if visit is None:
        raise NotFoundError("That version of the visit is not on this laptop.")
    following = conflict_repo.version_row(db, "visit", visit_id, version + 1)
    before = visit.created_at + _EDIT_WINDOW
    if following is not None and following.created_at < before:
        before = following.created_at

    def parts(kind: str) -> list[Any]:
        return conflict_repo.versions_as_of(db, kind, visit_id, before)

    person = (conflict_repo.record_as_of(db, "person", visit.person_id, before)
              if visit.person_id else None)
    return form_from_parts(visit, parts("conversation"), parts("outcome"), parts("agreement"),
                           cast(Person | None, person), parts("follow_up"))


def comparable(form: VisitForm) -> dict[str, Any]:
    """The form as JSON values that compare equal when they mean the same: signposts by
    service, and only the purposes agreed (a purpose not given and one left out are the
    same thing: consent is never assumed)."""
    data = form.to_dict()
    data["signposts"] = sorted(data["signposts"], key=lambda s: str(s["service_id"]))
    data["agreements"] = sorted((a for a in data["agreements"] if a["given"]),
                                key=lambda a: str(a["purpose"]))
    return data


def merge_stale_edit(base: VisitForm, edited: VisitForm, current: VisitForm
                     ) -> tuple[VisitForm, dict[str, Clash]]:
    """Merge an edit opened on ``base`` into the ``current`` visit, field by field."""
    result = three_way_merge(comparable(base), comparable(edited), comparable(current))
    return VisitForm.from_dict(result.merged), result.clashes


def record_form_conflict(db: Session, visit_id: str, merged_version: int,
                         clashes: dict[str, Clash], this_laptop_by: str, other_by: str,
                         now: datetime) -> int:
    """Keep both values of each clashing form field; returns the conflict's id."""
    conflict = conflict_repo.add_conflict(
        db, kind="visit", record_id=visit_id, level="form", merged_version=merged_version,
        fields={name: {"this_laptop": clash.ours, "other": clash.theirs}
                for name, clash in clashes.items()},
        this_laptop_by=this_laptop_by, other_by=other_by, now=now)
    return conflict.id
