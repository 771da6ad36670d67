"""A small fixed dataset for the report figures, with the answers worked out by hand.

Hub zone Europe/London. British Summer Time starts at 01:00 UTC on Sunday
29 March 2026 and ends at 01:00 UTC on Sunday 25 October 2026, so:

* 2026-03-28T23:30Z is 23:30 on Saturday 28th (GMT);
* 2026-03-29T00:30Z is 00:30 on Sunday 29th (GMT, before the change);
* 2026-03-29T23:30Z is 00:30 on Monday 30th (BST);
* 2026-03-30T22:59:59Z is 23:59:59 on 30th and 2026-03-30T23:00Z is midnight of the 31st;
* 2026-10-24T23:30Z is 00:30 on 25th (BST) and 2026-10-25T23:30Z is 23:30 on 25th (GMT).

Records are plain dicts ``{"kind", "record_id", "version", "deleted", "created_by",
"fields"}`` with Python values; each side (laptop store, server upload) writes them
its own way.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

VOL_A = "0190a000-0000-7000-8000-00000000000a"
VOL_B = "0190a000-0000-7000-8000-00000000000b"
VOL_C = "0190a000-0000-7000-8000-00000000000c"
VOL_D = "0190a000-0000-7000-8000-00000000000d"
VENUE_1 = "0190b000-0000-7000-8000-000000000001"
VENUE_2 = "0190b000-0000-7000-8000-000000000002"
SVC_MIND = "0190c000-0000-7000-8000-000000000001"
SVC_CRISIS = "0190c000-0000-7000-8000-000000000002"
SVC_MONEY = "0190c000-0000-7000-8000-000000000003"

SERVICES = [
    {"id": SVC_MIND, "name": "Talking therapies", "organisation": "Mind in Mid Herts",
     "categories": ["mental_health", "social"]},
    {"id": SVC_CRISIS, "name": "Crisis line", "organisation": "NHS 111", "categories": ["crisis"]},
    {"id": SVC_MONEY, "name": "Debt advice", "organisation": "Citizens Advice",
     "categories": ["money"]},
]


def rid(kind: str, number: int) -> str:
    prefix = {"session": "1", "visit": "2", "conversation": "3", "outcome": "4",
              "follow_up": "5"}[kind]
    return f"0190d00{prefix}-0000-7000-8000-{number:012d}"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _record(kind: str, number: int, created_by: str, fields: dict[str, Any], version: int = 1,
            deleted: bool = False) -> dict[str, Any]:
    return {"kind": kind, "record_id": rid(kind, number), "version": version, "deleted": deleted,
            "created_by": created_by, "fields": fields}


def _session(number: int, venue: str, session_type: str, started: str, headcount: int,
             activities: list[dict[str, Any]], shifts: list[dict[str, Any]]) -> dict[str, Any]:
    start = _at(started)
    return _record("session", number, VOL_A, {
        "hub_id": None, "venue_id": venue, "session_type": session_type,
        "session_date": start.date(), "started_at": start, "ended_at": None,
        "volunteers_present": [], "headcount": headcount, "activities": activities,
        "warm_space": session_type == "warm_space", "status": "closed",
        "volunteer_shifts": shifts})


def _visit(number: int, session: int, at: str, contact_mode: str, referral_source: str | None,
           age_band: str, sex: str, first_visit: bool | None, code: str | None,
           topics: list[str], created_by: str, *, safeguarding: bool = False, version: int = 1,
           deleted: bool = False) -> dict[str, Any]:
    return _record("visit", number, created_by, {
        "session_id": rid("session", session), "visited_at": _at(at), "contact_mode": contact_mode,
        "referral_source": referral_source, "age_band": age_band, "sex": sex,
        "postcode_district": None, "first_visit": first_visit, "visitor_code": code,
        "topics": topics, "safeguarding": safeguarding, "note": "", "person_id": None},
        version=version, deleted=deleted)


def _shift(volunteer: str, signed_in: str, signed_out: str | None) -> dict[str, Any]:
    shift = {"volunteer_id": volunteer, "signed_in_at": signed_in}
    if signed_out:
        shift["signed_out_at"] = signed_out
    return shift


def _talk(number: int, visit: int, topic: str, step: str, response: str, action: str) -> dict[str, Any]:
    return _record("conversation", number, VOL_A, {
        "visit_id": rid("visit", visit), "topic": topic, "furthest_step": step,
        "intervention_level": "brief", "response": response, "action": action})


def _outcome(number: int, visit: int, service: str, kind: str, status: str,
             version: int = 1) -> dict[str, Any]:
    return _record("outcome", number, VOL_A, {
        "visit_id": rid("visit", visit), "conversation_id": None, "service_id": service,
        "kind": kind, "agreement_recorded": False, "status": status}, version=version)


def _follow_up(number: int, visit: int | None, outcome: int | None, due: date,
               done: bool) -> dict[str, Any]:
    return _record("follow_up", number, VOL_A, {
        "outcome_id": rid("outcome", outcome) if outcome else None,
        "visit_id": rid("visit", visit) if visit else None, "due_date": due, "method": "phone",
        "assigned_to": None, "result": "Got to the appointment" if done else None,
        "attempts": 1 if done else 0, "done": done})


def records() -> list[dict[str, Any]]:
    """Every record version, oldest version first."""
    return [
        _session(1, VENUE_1, "drop_in", "2026-03-28T10:00:00", 3,
                 [{"name": "Tea and chat", "attendance": 10, "attendance_under_18": 2},
                  {"name": "Chair yoga", "attendance": 5, "attendance_under_18": 0}],
                 [_shift(VOL_A, "2026-03-28T10:00:00", "2026-03-28T13:00:00"),
                  _shift(VOL_B, "2026-03-28T10:00:00", "2026-03-28T11:30:00")]),
        _session(2, VENUE_2, "warm_space", "2026-03-29T09:00:00", 2,
                 [{"name": "Homework club", "attendance": 7, "attendance_under_18": 7}],
                 [_shift(VOL_C, "2026-03-29T09:00:00", "2026-03-29T12:30:00")]),
        _session(3, VENUE_1, "lunch_club", "2026-03-30T11:00:00", 0, [],
                 [_shift(VOL_A, "2026-03-30T11:00:00", None)]),
        _session(4, VENUE_1, "pop_up", "2026-10-25T10:00:00", 0, [], []),
        # v1 version 1 said male; version 2 (the latest) says female
        _visit(1, 1, "2026-03-28T10:15:00", "walk_in", "self", "50_64", "male", True, "A1",
               ["mental_wellbeing", "money"], VOL_A),
        _visit(1, 1, "2026-03-28T10:15:00", "walk_in", "self", "50_64", "female", True, "A1",
               ["mental_wellbeing", "money"], VOL_A, version=2),
        _visit(2, 1, "2026-03-28T23:30:00", "referred_in", "gp", "65_74", "male", False, "A1",
               ["money"], VOL_B),
        _visit(3, 2, "2026-03-29T00:30:00", "walk_in", None, "35_49", "female", True, "B2",
               ["loneliness"], VOL_C, safeguarding=True),
        _visit(4, 2, "2026-03-29T23:30:00", "referred_in", "social_prescriber", "85_plus",
               "female", None, "B2", [], VOL_C),
        _visit(5, 3, "2026-03-30T11:10:00", "returning", None, "prefer_not", "not_asked", False,
               None, ["physical_activity"], VOL_A),
        _visit(6, 3, "2026-03-27T23:59:00", "pre_booked", None, "25_34", "male", True, None,
               ["smoking"], VOL_A),
        _visit(7, 3, "2026-03-30T22:59:59", "approached", "self", "16_24", "male", True, None,
               [], VOL_D),
        _visit(8, 3, "2026-03-30T23:00:00", "walk_in", None, "25_34", "female", True, None,
               [], VOL_A),
        _visit(9, 3, "2026-03-30T12:00:00", "walk_in", None, "25_34", "female", True, None,
               [], VOL_A),
        _visit(9, 3, "2026-03-30T12:00:00", "walk_in", None, "25_34", "female", True, None,
               [], VOL_A, version=2, deleted=True),
        _visit(10, 4, "2026-10-24T23:30:00", "walk_in", None, "65_74", "female", True, None,
               [], VOL_A),
        _visit(11, 4, "2026-10-25T23:30:00", "walk_in", None, "65_74", "male", True, None,
               [], VOL_A),
        _visit(12, 4, "2026-10-26T00:00:00", "walk_in", None, "65_74", "male", True, None,
               [], VOL_A),
        _talk(1, 1, "mental_wellbeing", "assess", "made_plan", "warm_handover"),
        _talk(2, 1, "money", "advise", "thinking", "signposted"),
        _talk(3, 3, "loneliness", "ask", "not_now", "leaflet"),
        _talk(4, 6, "smoking", "ask", "declined", "none"),
        _outcome(1, 1, SVC_MIND, "warm_handover", "engaged"),
        _outcome(2, 4, SVC_CRISIS, "referral", "sent"),
        _outcome(3, 2, SVC_MONEY, "signpost", "offered"),
        _outcome(3, 2, SVC_MONEY, "signpost", "accepted", version=2),
        _outcome(4, 6, SVC_MONEY, "information", "offered"),
        _follow_up(1, 1, None, date(2026, 3, 29), True),
        _follow_up(2, None, 2, date(2026, 3, 29), False),
        _follow_up(3, 2, None, date(2026, 3, 30), False),
        _follow_up(4, 1, None, date(2026, 4, 5), False),
    ]


#: The hub's safeguarding alert raised for visit 3 (laptop only), not yet acknowledged.
ALERT_VISIT = rid("visit", 3)

#: 28-30 March 2026, worked out by hand from the records above (see each comment).
EXPECTED_MARCH: dict[str, Any] = {
    "visits": 6,  # v1 v2 (28th), v3 (29th), v4 v5 v7 (30th); v6 27th, v8 31st, v9 deleted
    "people_helped": 11,  # 6 visits + headcounts 3 + 2 + 0
    "visitors": 4,  # codes A1, B2 + v5, v7 without a code
    "repeat_visitors": 2,  # B2 on the 29th and 30th; v5 returning without a code
    "first_visits": 3,  # v1 v3 v7
    "sex": {"female": 3, "male": 2, "not_asked": 1},  # v1's latest version is female
    "age_bands": {"50_64": 1, "65_74": 1, "35_49": 1, "85_plus": 1, "prefer_not": 1, "16_24": 1},
    "age_bands_reported": {"50–64": 1, "65+": 2, "25–49": 1, "Not known": 1, "16–24": 1},
    "walk_in_or_self_referral": 3,  # v1 v3 walk in; v7 approached but referred by self
    "referred_in_by_source": {"gp": 1, "social_prescriber": 1},
    "mental_health": {"count": 2, "percent_of_visits": 33.3},  # v1 topic; v4 crisis signpost
    "signposts_by_kind": {"warm_handover": 1, "referral": 1, "signpost": 1},
    "signposts_by_category": {"mental_health": 1, "social": 1, "crisis": 1, "money": 1},
    "signposts_by_organisation": {"Mind in Mid Herts": 1, "NHS 111": 1, "Citizens Advice": 1},
    "mecc_by_topic": {"mental_wellbeing": 1, "money": 1, "loneliness": 1},
    "mecc_by_step": {"assess": 1, "advise": 1, "ask": 1},
    "mecc_by_response": {"made_plan": 1, "thinking": 1, "not_now": 1},
    # due 29th (done), 29th via outcome 2 (not done: overdue), 30th (not done: due today)
    "follow_ups": {"due": 3, "done": 1, "overdue": 1,
                   "outcomes_by_status": {"engaged": 1, "sent": 1, "accepted": 1}},
    "sessions_by_type": {"drop_in": 1, "warm_space": 1, "lunch_club": 1},
    "activities": 3,
    "attendance": 22,  # 10 + 5 + 7
    "attendance_0_17": 9,  # 2 + 0 + 7
    "volunteers": 4,  # A B C signed in; D recorded v7
    "volunteer_hours": 8.0,  # 180 + 90 + 210 minutes; A's open shift on the 30th not counted
    "referred_to_community_partners": 2,  # warm handover + referral
    "mecc_by_action": {"warm_handover": 1, "signposted": 1, "leaflet": 1},
    "mecc_visits": 2,
    "visits_by_month": {"2026-03": 6},
}
