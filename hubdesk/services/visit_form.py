"""What the capture form collects (``VisitForm``), how it is tidied and checked.

Tidying never changes what a value means: spaces around a value go and codes are
upper-cased, but a value that is not what the field asks for is refused with a
message saying what to type (``validate_visit``), never rewritten.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from hubdesk.core.vocab import vocabularies

MAX_NOTE = 500
VISITOR_CODE = re.compile(r"^[A-Z0-9-]{3,16}$")
POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


@dataclass
class TopicAnswer:
    topic: str
    furthest_step: str = "ask"
    intervention_level: str = "very_brief"
    response: str | None = None
    action: str | None = None


@dataclass
class SignpostAnswer:
    service_id: str
    kind: str = "signpost"
    topic: str | None = None
    status: str = "offered"


@dataclass
class AgreementAnswer:
    purpose: str
    given: bool
    method: str = "verbal"


@dataclass
class VisitForm:
    """Everything the capture form collects; also the shape of an autosaved draft."""

    contact_mode: str = ""
    referral_source: str | None = None
    age_band: str = "not_asked"
    sex: str = "not_asked"
    first_visit: bool | None = None
    visitor_code: str = ""
    postcode_district: str = ""
    topics: list[TopicAnswer] = field(default_factory=list)
    signposts: list[SignpostAnswer] = field(default_factory=list)
    agreements: list[AgreementAnswer] = field(default_factory=list)
    preferred_name: str = ""
    contact: str = ""
    follow_up_due: date | None = None
    follow_up_method: str = "phone"
    safeguarding: bool = False
    note: str = ""

    @property
    def has_identity(self) -> bool:
        return bool(self.preferred_name.strip() or self.contact.strip())

    def agreed(self, purpose: str) -> bool:
        return any(a.purpose == purpose and a.given for a in self.agreements)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["follow_up_due"] = self.follow_up_due.isoformat() if self.follow_up_due else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VisitForm:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["topics"] = [TopicAnswer(**t) for t in known.get("topics", [])]
        known["signposts"] = [SignpostAnswer(**s) for s in known.get("signposts", [])]
        known["agreements"] = [AgreementAnswer(**a) for a in known.get("agreements", [])]
        due = known.get("follow_up_due")
        known["follow_up_due"] = date.fromisoformat(due) if isinstance(due, str) and due else None
        return cls(**known)


def normalise(form: VisitForm) -> VisitForm:
    """Trim and upper-case what the volunteer typed (codes, postcode districts)."""
    form.visitor_code = form.visitor_code.strip().upper()
    # upper-cased only: "SG2 7" is refused by validate_visit, never made into "SG27"
    form.postcode_district = form.postcode_district.strip().upper()
    form.preferred_name = " ".join(form.preferred_name.split())
    form.contact = form.contact.strip()
    form.note = form.note.strip()
    return form


def validate_visit(form: VisitForm, known_service_ids: set[str] | None = None) -> dict[str, str]:
    """Field name -> plain-English message; empty when the visit can be saved."""
    vocab = vocabularies()
    errors: dict[str, str] = {}
    if form.contact_mode not in vocab.contact_modes:
        errors["contact_mode"] = "Choose how the person came to you."
    if form.contact_mode == "referred_in" and form.referral_source not in vocab.referral_sources:
        errors["referral_source"] = "Choose who referred the person."
    if form.referral_source and form.referral_source not in vocab.referral_sources:
        errors["referral_source"] = "Choose who referred the person."
    if form.age_band not in vocab.age_bands:
        errors["age_band"] = "Choose an age band (or Not asked)."
    if form.sex not in vocab.sexes:
        errors["sex"] = "Choose an answer for sex (or Not asked)."
    if form.visitor_code and not VISITOR_CODE.match(form.visitor_code):
        errors["visitor_code"] = "A visitor code is 3 to 16 letters, numbers or dashes."
    if form.postcode_district and not POSTCODE_DISTRICT.match(form.postcode_district):
        # the capture form's tests quote this message: keep the two in step
        errors["postcode_district"] = "Enter only the first half of the postcode, like SG1."
    seen: set[str] = set()
    for answer in form.topics:
        if answer.topic not in vocab.mecc_topics or answer.topic in seen:
            errors["topics"] = "Each topic can be chosen once."
        seen.add(answer.topic)
        if answer.furthest_step not in vocab.mecc_steps:
            errors[f"topic:{answer.topic}"] = "Choose how far the conversation went."
        if answer.intervention_level not in vocab.intervention_levels:
            errors[f"topic:{answer.topic}"] = "Choose how long the conversation was."
        if answer.response is not None and answer.response not in vocab.responses:
            errors[f"topic:{answer.topic}"] = "Choose the person's response."
        if answer.action is not None and answer.action not in vocab.actions:
            errors[f"topic:{answer.topic}"] = "Choose what was done."
    for signpost in form.signposts:
        if signpost.kind not in vocab.signpost_kinds:
            errors["signposts"] = "Choose information, signpost, warm handover or referral."
        if signpost.status not in vocab.outcome_statuses:
            errors["signposts"] = "Choose the signpost's status."
        if known_service_ids is not None and signpost.service_id not in known_service_ids:
            errors["signposts"] = "A chosen service is no longer in the directory."
        if signpost.topic and signpost.topic not in seen:
            errors["signposts"] = "A signpost names a topic that was not discussed."
    for agreement in form.agreements:
        if agreement.purpose not in vocab.agreement_purposes:
            errors["agreements"] = "Choose what the person agreed to."
        if agreement.method not in vocab.agreement_methods:
            errors["agreements"] = "Choose how the person agreed."
    if len(form.preferred_name) > 80:
        errors["preferred_name"] = "Keep the name under 80 characters."
    if len(form.contact) > 120:
        errors["contact"] = "Keep the contact details under 120 characters."
    if form.has_identity and not (form.agreed("follow_up") or form.agreed("share_partner")):
        errors["agreements"] = (
            "A name or contact details can only be kept when the person agrees: "
            "record their agreement to follow-up or to sharing, or clear the details."
        )
    if form.follow_up_due is not None:
        if not form.contact.strip():
            errors["contact"] = "A follow-up needs a phone number or email."
        if not form.agreed("follow_up"):
            errors["agreements"] = "A follow-up needs the person's agreement to be contacted."
        if form.follow_up_method not in vocab.follow_up_methods:
            errors["follow_up_method"] = "Choose how to follow up."
    if any(s.kind == "referral" for s in form.signposts) and form.has_identity \
            and not form.agreed("share_partner"):
        errors["agreements"] = "A referral that shares details needs the person's agreement to share."
    if len(form.note) > MAX_NOTE:
        errors["note"] = f"Keep the note under {MAX_NOTE} characters."
    return errors
