"""Browser tests: the app served over HTTP in a background thread, Debian's Chromium driven by
Playwright (never `playwright install`). Screenshots go to $BROWSER_ARTIFACTS (default
tests/browser/artifacts/, not committed)."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.concurrency.harness import serving

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", Path(__file__).parent / "artifacts"))
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    built = Path(__file__).resolve().parents[2] / "app" / "web" / "static" / "build" / "taskform.js"
    assert built.exists(), "front-end assets not built: run `make assets`"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def base_url(app):
    with serving(app) as url:
        yield url


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return take
