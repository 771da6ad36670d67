"""The services directory: search and browse with filters, crisis services first."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hubdesk.core.opening_times import OPEN
from hubdesk.services import directory
from hubdesk.services.setup import service_from_dict
from hubdesk.store.engine import Store
from tests.conftest import Hub

TUESDAY_1030_UTC = datetime(2026, 12, 1, 10, 30)  # 10:30 in London too (GMT)


def _add(store: Store, *entries: dict[str, object]) -> None:
    with store.unit_of_work() as db:
        for entry in entries:
            db.add(service_from_dict({"categories": ["social"], **entry}))


def test_crisis_services_stay_at_the_top_whatever_the_limit(store: Store, hub: Hub) -> None:
    # 60 services whose names sort before every crisis service
    _add(store, *({"id": f"aa-{n:02}", "name": f"Aardvark club {n:02}"} for n in range(60)))
    with store.unit_of_work() as db:
        rows = directory.search_directory(db, "", limit=50)
        page = directory.browse_directory(db, "", limit=50, now_utc=TUESDAY_1030_UTC)
    crisis = [row.name for row in rows if row.is_crisis]
    assert "Samaritans" in crisis and rows[0].is_crisis
    assert [row.is_crisis for row in rows] == sorted((row.is_crisis for row in rows), reverse=True)
    assert page.rows[0].is_crisis and page.matched == 35 + 60 and len(page.rows) == 50


def test_browse_filters_by_words_category_area_and_open_now(store: Store, hub: Hub) -> None:
    _add(store,
         {"id": "chat-1", "name": "Chat café", "area": "Hitchin", "opening_times": "Tue 10-12"},
         {"id": "chat-2", "name": "Chat corner", "area": "Hitchin", "opening_times": "Wed 10-12",
          "status": "paused"},
         {"id": "chat-3", "name": "Chat line", "area": "Hitchin", "opening_times": "Varies",
          "status": "closed"})
    with store.unit_of_work() as db:
        page = directory.browse_directory(db, "chat", area="Hitchin", now_utc=TUESDAY_1030_UTC)
        assert [r.id for r in page.rows] == ["chat-1", "chat-2", "chat-3"]  # active first
        assert [r.status_words for r in page.rows] == ["Running", "Paused", "Closed"]
        assert page.rows[0].opening.state == OPEN
        assert page.rows[1].opening.words == "Not taking people now (paused)"
        assert page.rows[2].opening.words == "No: this service has closed"
        cafe = directory.browse_directory(db, "chat café", now_utc=TUESDAY_1030_UTC)
        assert cafe.rows[0].opening.state == OPEN
        assert "Hitchin" in page.areas and "National" in page.areas
        open_page = directory.browse_directory(db, "chat", open_now_only=True,
                                               now_utc=TUESDAY_1030_UTC)
        assert [r.id for r in open_page.rows] == ["chat-1"] and open_page.matched == 1
        money = directory.browse_directory(db, "", "money", now_utc=TUESDAY_1030_UTC)
        assert money.rows and all("money" in r.categories for r in money.rows)
        assert directory.browse_directory(db, "chat", area="Stevenage").matched == 0
        # the picker keeps leaving closed services out
        assert [r.id for r in directory.search_directory(db, "chat")] == ["chat-1", "chat-2"]


def test_a_search_with_wildcard_characters_matches_them_literally(store: Store, hub: Hub) -> None:
    _add(store, {"id": "pct", "name": "100% Support"}, {"id": "und", "name": "Under_score"})
    with store.unit_of_work() as db:
        assert [r.id for r in directory.search_directory(db, "100%")] == ["pct"]
        assert [r.id for r in directory.search_directory(db, "r_s")] == ["und"]
        assert [r.id for r in directory.search_directory(db, "%")] == ["pct"]


def test_the_upgrade_gives_existing_services_their_list_order(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from hubdesk.store.engine import alembic_config, make_engine

    database = tmp_path / "old.sqlite3"
    engine = make_engine(database)
    command.upgrade(alembic_config(engine), "0006_security")  # before the directory screen
    with engine.begin() as connection:
        for service_id, name, categories, status in (
                ("a", "Aardvark club", '["social"]', "active"),
                ("b", "Bee group", '["social"]', "paused"),
                ("z", "Zed crisis line", '["crisis", "mental_health"]', "active")):
            connection.execute(text(
                "INSERT INTO services (id, name, organisation, categories, description, access,"
                " phone, web, opening_times, area, eligibility, status, is_sample, search_text)"
                " VALUES (:id, :name, '', :categories, '', 'signpost_only', '', '', '', '', '',"
                " :status, 0, lower(:name))"),
                {"id": service_id, "name": name, "categories": categories, "status": status})
    engine.dispose()
    upgraded = Store.open(database, backups=tmp_path / "backups")
    with upgraded.unit_of_work() as db:
        assert [r.id for r in directory.search_directory(db, "", include_closed=True)] == [
            "z", "a", "b"]
    upgraded.close()
