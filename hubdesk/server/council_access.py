"""What a signed-in council user may see (DESIGN §9): their hubs and whole districts.

Every page and download asks :func:`viewer_of` for the user's :class:`Viewer` and
reads only the hubs it names, so a user limited to one district never sees another.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from hubdesk.server.council_tables import USER_AREAS, USERS
from hubdesk.server.models import HUBS


@dataclass(frozen=True)
class Viewer:
    user_id: str
    username: str
    county: bool
    #: hub id -> (name, district) of every hub the user may see
    hubs: dict[str, tuple[str, str]]
    #: districts the user sees whole (as the hubs table spells them)
    districts: tuple[str, ...]

    def may_see_hub(self, hub_id: str) -> bool:
        return hub_id in self.hubs

    def may_see_district(self, district: str) -> bool:
        return district in self.districts

    def area_label(self) -> str:
        if self.county:
            return "All hubs in the county"
        return "All your hubs"


def viewer_of(conn: Connection, user_id: str) -> Viewer | None:
    """The user's view, or None when the user is unknown or disabled."""
    user = conn.execute(select(USERS.c.id, USERS.c.username, USERS.c.county, USERS.c.active)
                        .where(USERS.c.id == user_id)).first()
    if user is None or not user.active:
        return None
    areas = conn.execute(select(USER_AREAS.c.kind, USER_AREAS.c.area)
                         .where(USER_AREAS.c.user_id == user_id)).all()
    hub_ids = {area for kind, area in areas if kind == "hub"}
    districts = {area for kind, area in areas if kind == "district"}
    hubs: dict[str, tuple[str, str]] = {}
    whole: set[str] = set()
    for row in conn.execute(select(HUBS.c.id, HUBS.c.name, HUBS.c.district)
                            .order_by(HUBS.c.name)):
        in_district = user.county or row.district.lower() in districts
        if in_district:
            whole.add(row.district)
        if in_district or row.id in hub_ids:
            hubs[row.id] = (row.name, row.district)
    return Viewer(user.id, user.username, bool(user.county), hubs, tuple(sorted(whole)))
