"""Debian's headless Chromium driven by selenium (chromium + chromium-driver from apt;
``scripts/dev.sh`` installs them). Tests that need it skip, saying why, only when the
two programs are absent; selenium itself is a dev dependency."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
MISSING = ("Debian's chromium and chromium-driver are not installed "
           "(apt-get install chromium chromium-driver)")


def chromium_available() -> bool:
    return (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)
            and shutil.which("chromium") is not None)


@contextmanager
def chromium(downloads: Path, width: int = 1366, height: int = 768,
             scale: float = 1.0) -> Iterator[Any]:
    """A headless Chromium (a fresh profile) saving downloads into ``downloads``."""
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--no-first-run", "--disable-extensions",
                     "--lang=en-GB", f"--window-size={width},{height}",
                     f"--force-device-scale-factor={scale}"):
        options.add_argument(argument)
    downloads.mkdir(parents=True, exist_ok=True)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "safebrowsing.enabled": False, "intl.accept_languages": "en-GB,en"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_page_load_timeout(60)
        driver.execute_cdp_cmd("Page.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver
    finally:
        driver.quit()


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "the page") -> Any:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def full_page_png(driver: Any, target: Path, width: int) -> None:
    """A screenshot of the whole page at ``width`` CSS pixels."""
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(width, max(400, int(height) + 140))
    target.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(target))
