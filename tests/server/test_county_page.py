"""The council's county page in a real headless Chromium against the real server
(issue 12): no login sees nothing, a wrong password is refused, figures match
``hubdesk-server report --format json``, the chart, a download, sync health,
accepting a suggestion reaches a laptop's next directory download, and a user
limited to one district sees no other.

One county (a server on SQLite with two districts, a real laptop that recorded
visits and synced, a second laptop that never reported) is built once for the module;
each test signs in its own browser.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hubdesk.core.days import hub_today
from hubdesk.reports.figures.tables import SUMMARY, figure_text
from hubdesk.server import admin
from hubdesk.server.council_users import create_user
from hubdesk.server.reports import county_time_zone
from hubdesk.store.models import Service
from tests.server.chromium import MISSING, chromium, chromium_available, wait_for
from tests.server.conftest import Laptop as ProtocolLaptop
from tests.sync.harness import Laptop, RunningServer, running_server

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.skipif(not chromium_available(), reason=MISSING)]

PASSWORD = "correct horse battery"
SERVICE_ID = "stevenage-money-advice"


@dataclass
class County:
    server: RunningServer
    laptop: Laptop
    coordinator: ProtocolLaptop  # sends the Stevenage hub's suggestions, and heartbeats
    silent: ProtocolLaptop  # North Herts: enrolled, never heard from
    north_hub_id: str
    db_url: str


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    folder = tmp_path_factory.mktemp("county")
    db_url = f"sqlite:///{folder / 'server.sqlite3'}"
    with running_server(db_url) as server:
        directory = folder / "directory.json"
        directory.write_text(json.dumps([{
            "id": SERVICE_ID, "name": "Money Advice Stevenage", "organisation": "Citizens Advice",
            "categories": ["money"], "access": "self_refer", "phone": "01438 000000"}]))
        admin.import_directory(server.engine, directory)
        north_hub_id = admin.create_hub(server.engine, "Hitchin Hub", "North Herts")
        laptop = Laptop(folder / "laptop", server)
        for _ in range(7):
            laptop.record_visit()
        assert laptop.heal().pending == 0
        silent = ProtocolLaptop(server.url)
        silent.enrol(admin.create_enrol_code(server.engine, north_hub_id))
        coordinator = ProtocolLaptop(server.url)
        coordinator.enrol(server.enrol_code())
        beat = coordinator.http.post("/v1/heartbeat", headers=coordinator.headers(), json={
            "unsent": 0, "needs_attention": 0, "app_version": "0.1.0",
            "client_time": datetime.now(UTC).isoformat()})
        assert beat.status_code == 200, beat.text
        create_user(server.engine, "county.officer", PASSWORD, hubs=[], districts=[],
                    county=True)
        create_user(server.engine, "stevenage.lead", PASSWORD, hubs=[],
                    districts=["Stevenage"], county=False)
        try:
            yield County(server, laptop, coordinator, silent, north_hub_id, db_url)
        finally:
            coordinator.close()
            silent.close()
            laptop.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    with chromium(tmp_path / "downloads") as driver:
        yield driver


def sign_in(driver: Any, url: str, username: str, password: str = PASSWORD) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{url}/login")
    driver.find_element(By.ID, "username").send_keys(username)
    password_box = driver.find_element(By.ID, "password")
    password_box.send_keys(password)
    password_box.send_keys(Keys.ENTER)


def text_of(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.TAG_NAME, "body").text)


def send_suggestion(sender: ProtocolLaptop, fields: dict[str, Any]) -> str:
    """A suggestion record uploaded through the real HTTP API by an enrolled laptop."""
    payload = sender.payload("suggestion", {"hub_id": sender.hub_id, **fields})
    answer = sender.post(sender.batch([sender.item(payload)]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["status"] == "accepted", answer.text
    return str(payload["record_id"])


def test_no_login_sees_nothing_and_a_wrong_password_is_refused(county: County, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    for path in ("/", "/sync-health", "/suggestions", "/download.csv?period=this_month"):
        browser.get(county.server.url + path)
        assert browser.current_url == f"{county.server.url}/login", path
        assert "Stevenage" not in text_of(browser)
        assert not browser.find_elements(By.ID, "summary")
    sign_in(browser, county.server.url, "county.officer", "not the password at all")
    assert browser.current_url == f"{county.server.url}/login"
    assert "The username or password is not right" in text_of(browser)
    assert browser.get_cookie("hubdesk_session") is None
    browser.get(county.server.url + "/")
    assert browser.current_url == f"{county.server.url}/login"


def test_figures_for_a_hub_match_the_report_command(county: County, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sign_in(browser, county.server.url, "county.officer")
    wait_for(lambda: browser.find_elements(By.ID, "summary"), what="the figures")
    cookie = browser.get_cookie("hubdesk_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    Select(browser.find_element(By.ID, "period")).select_by_value("this_month")
    Select(browser.find_element(By.ID, "area")).select_by_visible_text(
        "Stevenage Healthy Hub (Stevenage)")
    browser.find_element(By.ID, "show-figures").click()
    wait_for(lambda: "Hub: Stevenage Healthy Hub" in text_of(browser), what="the hub's figures")

    today = hub_today(county_time_zone(county.server.engine))
    command = subprocess.run(
        [sys.executable, "-m", "hubdesk.server", "--db", county.db_url, "report",
         "--from", today.replace(day=1).isoformat(), "--to", today.isoformat(),
         "--hub", "Stevenage Healthy Hub", "--format", "json"],
        capture_output=True, text=True, check=True, timeout=120, env=os.environ.copy())
    expected = json.loads(command.stdout)
    assert expected["visits"] == 7
    for key, _label in SUMMARY:
        value = expected[key]["count"] if key == "mental_health" else expected[key]
        cell = browser.find_element(By.CSS_SELECTOR, f'#summary td[data-figure="{key}"]')
        assert cell.text == figure_text(value), key
    # the chart: visits month by month, drawn as SVG bars with their numbers
    chart = browser.find_element(By.CSS_SELECTOR, "figure.chart")
    assert "Visits month by month" in chart.text
    assert chart.find_elements(By.CSS_SELECTOR, "svg rect.bar-fill")
    assert "7" in [value.text for value in chart.find_elements(By.CLASS_NAME, "bar-value")]


def test_a_download_holds_the_figures_and_is_logged(county: County, browser: Any,
                                                    tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, county.server.url, "county.officer")
    browser.get(county.server.url + "/?period=this_month&area=all")
    browser.find_element(By.ID, "download-csv").click()
    downloads = tmp_path / "downloads"
    found = wait_for(lambda: [p for p in downloads.glob("*.csv")], what="the CSV download")
    with found[0].open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    visits = {row["area"]: row["value"] for row in rows
              if row["section"] == "summary" and row["code"] == "visits"}
    assert visits["Hub: Stevenage Healthy Hub"] == "7"
    assert visits["All hubs in the county"] == "7"
    assert visits["Hub: Hitchin Hub"] == "0"
    events = [event for event in admin_security_events(county) if event.event == "council_download"]
    assert events and "csv" in events[-1].detail
    assert "county.officer" not in events[-1].detail  # user ids, never names


def admin_security_events(county: County) -> list[Any]:
    from hubdesk.server.security_log import security_events

    return list(security_events(county.server.engine))


def test_sync_health_lists_the_silent_laptop_first(county: County, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, county.server.url, "county.officer")
    browser.get(county.server.url + "/sync-health")
    rows = {row.get_attribute("data-device"): row
            for row in browser.find_elements(By.CSS_SELECTOR, "#laptops tbody tr")}
    assert next(iter(rows)) == county.silent.device_id  # not heard from: first
    assert set(list(rows)[1:]) == {county.laptop.device_id, county.coordinator.device_id}
    silent, healthy = rows[county.silent.device_id].text, rows[county.laptop.device_id].text
    assert "Not syncing" in silent and "Hitchin Hub" in silent and "Never" in silent
    assert "Syncing" in healthy and "Stevenage Healthy Hub" in healthy
    cells = rows[county.laptop.device_id].find_elements(By.TAG_NAME, "td")
    assert cells[4].text == "0"  # waiting to send, from the laptop's heartbeat
    assert "Nothing waiting" in cells[5].text
    assert "1 laptop has not synced for more than a day" in text_of(browser)


def test_an_accepted_suggestion_reaches_the_laptops_next_download(county: County,
                                                                  browser: Any) -> None:
    from selenium.webdriver.common.by import By

    record_id = send_suggestion(county.coordinator, {
        "action": "correct", "service_id": SERVICE_ID, "phone": "01438 242424",
        "reason": "They moved to a new number in November."})
    sign_in(browser, county.server.url, "county.officer")
    browser.get(county.server.url + "/suggestions")
    card = browser.find_element(By.CSS_SELECTOR, f'section[data-suggestion="{record_id}"]')
    assert "Correct a service: Money Advice Stevenage" in card.text
    changed = card.find_element(By.CSS_SELECTOR, "tr.changed")
    assert "Phone" in changed.text and "01438 000000" in changed.text
    assert "01438 242424" in changed.text and "Changed" in changed.text
    card.find_element(By.XPATH, ".//button[normalize-space()='Accept']").click()
    wait_for(lambda: browser.find_elements(By.ID, "decided"), what="the decision")
    assert "Suggestion accepted" in text_of(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, f'section[data-suggestion="{record_id}"]')

    assert county.laptop.sync().completed
    with county.laptop.store.unit_of_work() as db:
        service = db.scalar(select(Service).where(Service.id == SERVICE_ID))
        assert service is not None and service.phone == "01438 242424"


def test_a_user_limited_to_one_district_sees_no_other(county: County, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    record_id = send_suggestion(county.silent, {"action": "pause", "service_id": SERVICE_ID,
                                                "reason": "Closed for refurbishment."})
    sign_in(browser, county.server.url, "stevenage.lead")
    browser.get(county.server.url + "/?period=this_month")
    page = text_of(browser)
    options = [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#area option")]
    assert "Stevenage Healthy Hub (Stevenage)" in options
    assert all("Hitchin" not in o and "North Herts" not in o for o in options)
    assert "Hitchin" not in page and "North Herts" not in page
    assert [r.text.split("\n")[0] for r in browser.find_elements(By.CSS_SELECTOR, "#hubs tbody th")] \
        == ["Stevenage Healthy Hub"]
    # asking for the other district's hub by address shows an error, not its figures
    browser.get(county.server.url + f"/?period=this_month&area=hub:{county.north_hub_id}")
    assert "Choose a hub or district from the list." in text_of(browser)
    assert "Hitchin" not in text_of(browser)
    browser.get(county.server.url + f"/download.csv?period=this_month&area=hub:{county.north_hub_id}")
    assert "Hitchin" not in text_of(browser)
    browser.get(county.server.url + "/sync-health")
    assert county.silent.device_id not in browser.page_source
    assert "Hitchin" not in text_of(browser)
    browser.get(county.server.url + "/suggestions")
    assert record_id not in browser.page_source
    assert "Hitchin" not in text_of(browser)


def test_every_field_has_a_label_and_the_keyboard_reaches_it_in_reading_order(
        county: County, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    sign_in(browser, county.server.url, "county.officer")
    for path in ("/?period=this_month", "/sync-health", "/suggestions"):
        browser.get(county.server.url + path)
        assert len(browser.find_elements(By.TAG_NAME, "h1")) == 1, path
        for field in browser.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select"):
            field_id = field.get_attribute("id")
            labels = browser.find_elements(By.CSS_SELECTOR, f'label[for="{field_id}"]')
            assert field_id and labels and labels[0].text.strip(), (path, field_id)
    browser.get(county.server.url + "/?period=this_month")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to main content"
    skip.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"
    reached: list[str] = []
    for _ in range(24):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        found = browser.switch_to.active_element.get_attribute("id")
        if found not in reached:  # a date field's day, month and year are one field
            reached.append(found)
    # the figures form in reading order, then its button, then the downloads
    assert reached[:7] == ["period", "from", "to", "area", "show-figures", "download-csv",
                           "download-xlsx"], reached
