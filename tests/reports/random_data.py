"""A seeded random dataset for comparing the report's roll-up with its row path."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tests.reports.dataset import (
    SERVICES,
    VOL_A,
    VOL_B,
    VOL_C,
    VOL_D,
    _follow_up,
    _outcome,
    _session,
    _talk,
    _visit,
    rid,
)


def random_records(rng: random.Random, hub: int) -> list[dict[str, Any]]:
    """Sessions and visits near midnight and both clock changes, with codes that recur,
    conversations, signposts, follow-ups, edits and deletions."""
    days = [datetime(2026, 3, 27), datetime(2026, 3, 28), datetime(2026, 3, 29),
            datetime(2026, 3, 30), datetime(2026, 10, 24), datetime(2026, 10, 25),
            datetime(2026, 12, 31)]
    volunteers = [VOL_A, VOL_B, VOL_C, VOL_D]
    base = 1000 * (hub + 1)
    out: list[dict[str, Any]] = []
    for n, day in enumerate(days):
        start = day + timedelta(hours=9)
        out.append(_session(base + n, rid("session", 5000 + n), rng.choice(
            ["drop_in", "warm_space", "lunch_club"]), start.isoformat(), rng.randint(0, 4),
            [{"name": "Tea", "attendance": rng.randint(0, 9),
              "attendance_under_18": rng.randint(0, 3)}],
            [{"volunteer_id": rng.choice(volunteers), "signed_in_at": start.isoformat(),
              "signed_out_at": (start + timedelta(minutes=rng.randint(30, 300))).isoformat()}]))
    visits = []
    for n in range(60):
        number = base + n
        at = rng.choice(days) + timedelta(minutes=rng.randint(-90, 24 * 60 + 90))
        visit = _visit(
            number, base + rng.randrange(len(days)), at.isoformat(),
            rng.choice(["walk_in", "referred_in", "returning", "pre_booked", "approached"]),
            rng.choice([None, "self", "gp", "council"]),
            rng.choice(["16_24", "35_49", "65_74", "prefer_not", "not_asked"]),
            rng.choice(["female", "male", "not_asked"]), rng.choice([True, False, None]),
            rng.choice([None, None, "C1", "C2", "C3", "C4"]),
            rng.sample(["mental_wellbeing", "money", "food", "loneliness"], rng.randint(0, 2)),
            rng.choice(volunteers), safeguarding=rng.random() < 0.1)
        visits.append(visit)
        out.append(visit)
        for k in range(rng.randint(0, 2)):
            out.append(_talk(base * 10 + n * 3 + k, number, rng.choice(["money", "smoking"]),
                             rng.choice(["ask", "advise"]), "thinking", "leaflet"))
        if rng.random() < 0.4:
            out.append(_outcome(number, number, rng.choice(SERVICES)["id"],
                                rng.choice(["signpost", "referral"]), "offered"))
            if rng.random() < 0.5:
                out.append(_follow_up(number, None, number, (at + timedelta(days=2)).date(),
                                      rng.random() < 0.5))
    for visit in rng.sample(visits, 12):  # later versions: some edited, some deleted
        fields = {**visit["fields"], "age_band": "85_plus", "visitor_code": "C9"}
        out.append({**visit, "version": 2, "deleted": rng.random() < 0.4, "fields": fields})
    return out
