"""Screenshots of the council's county page in Debian's headless Chromium (issue 12).

    .venv/bin/python tools/screenshots_county.py [--out docs/screenshots]

Builds a small county on a fresh server (three hubs in two districts, real laptops
that record visits and sync, one laptop that never reports, two directory
suggestions), signs in as a county user and saves each page at desktop size
(1366 px wide, and at 150 % zoom) and phone size (390 px wide), whole-page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HUBDESK_TEST_CHEAP_KDF", "1")
os.environ.setdefault("HUBDESK_SERVER_KEY_DIR", tempfile.mkdtemp(prefix="hubdesk-shot-keys-"))

from hubdesk.server import admin  # noqa: E402
from hubdesk.server.council_users import create_user  # noqa: E402
from tests.server.chromium import chromium, full_page_png  # noqa: E402
from tests.server.conftest import Laptop as ProtocolLaptop  # noqa: E402
from tests.sync.harness import Laptop, RunningServer, running_server  # noqa: E402

PASSWORD = "screenshots passphrase"
SIZES = (("desktop", 1366, 768, 1.0), ("desktop150", 1366, 768, 1.5), ("phone", 390, 844, 1.0))


def build_county(folder: Path, server: RunningServer) -> list[Laptop]:
    directory = folder / "directory.json"
    directory.write_text(json.dumps([
        {"id": "money-advice", "name": "Money Advice Stevenage", "organisation": "Citizens Advice",
         "categories": ["money"], "access": "self_refer", "phone": "01438 000000",
         "opening_times": "Mon-Fri 9:30-16:00"}]))
    admin.import_directory(server.engine, directory)
    laptops = [Laptop(folder / "stevenage", server)]
    rng = random.Random(7)
    for hub_name, district, visits in (("Hitchin Hub", "North Herts", 23),
                                       ("Letchworth Library Hub", "North Herts", 3)):
        hub_id = admin.create_hub(server.engine, hub_name, district)
        admin.add_venue(server.engine, hub_id, "Library", "library", "SG6")
        laptop = Laptop(folder / hub_name, RunningServer(server.url, server.engine, hub_id))
        for _ in range(visits):
            laptop.record_visit(rng)
        laptop.heal()
        laptops.append(laptop)
    for _ in range(41):
        laptops[0].record_visit(rng)
    laptops[0].heal()
    silent = ProtocolLaptop(server.url)
    silent.enrol(server.enrol_code())
    for fields in ({"action": "correct", "service_id": "money-advice", "phone": "01438 242424",
                    "opening_times": "Mon-Thu 9:30-16:00",
                    "reason": "They moved to a new number in November."},
                   {"action": "add", "name": "Warm Welcome Café", "organisation": "St Mary's Church",
                    "categories": ["food", "social"], "access": "self_refer",
                    "opening_times": "Tuesdays 12:00-15:00", "reason": "Opened in October."}):
        payload = silent.payload("suggestion", {"hub_id": silent.hub_id, **fields})
        silent.post(silent.batch([silent.item(payload)]))
    silent.close()
    create_user(server.engine, "county.officer", PASSWORD, hubs=[], districts=[], county=True)
    return laptops


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        with running_server(f"sqlite:///{folder / 'server.sqlite3'}") as server:
            laptops = build_county(folder, server)
            for size, width, height, scale in SIZES:
                with chromium(folder / "downloads", width, height, scale) as driver:
                    driver.get(server.url + "/login")
                    full_page_png(driver, args.out / f"county_login_{size}.png", width)
                    driver.find_element(By.ID, "username").send_keys("county.officer")
                    driver.find_element(By.ID, "password").send_keys("wrong")
                    driver.find_element(By.ID, "sign-in").click()
                    full_page_png(driver, args.out / f"county_login_error_{size}.png", width)
                    driver.find_element(By.ID, "password").send_keys(PASSWORD)
                    driver.find_element(By.ID, "sign-in").click()
                    for name, path in (("figures", "/?period=this_month"),
                                       ("health", "/sync-health"),
                                       ("suggestions", "/suggestions")):
                        driver.set_window_size(width, height)
                        driver.get(server.url + path)
                        full_page_png(driver, args.out / f"county_{name}_{size}.png", width)
                    print(f"{size}: saved to {args.out}")
            for laptop in laptops:
                laptop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
