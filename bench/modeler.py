"""The modeler's findings while a designer edits the shipped 35 KB diagram (standard_licence):

1. the server: POST /api/v1/drafts/{id}/check (the unsaved diagram checked as deployment would
   check it) and the autosave round trip (PUT the draft, POST validate), over HTTP to gunicorn;
2. the page, in Debian's Chromium: from a change in the properties panel to the server's findings
   shown beside the diagram (the page waits 120 ms after the last change, then asks), as
   `performance.now()` measures it in the page.

    .venv/bin/python bench/modeler.py [--rounds 30]
    .venv/bin/python bench/modeler.py --smoke        # 3 rounds: a correctness run

Each round renames the front desk's lane to a role that does not exist and back, so every other
answer must carry the finding on that lane (the run stops, exit 1, when it does not). Goal: findings
within 300 ms of a change. PostgreSQL as in production (TEST_DATABASE_URL).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_PG_URL,
    Gunicorn,
    PgDatabase,
    add_smoke,
    check,
    dispose,
    exit_on_signals,
    make_app,
    parse,
)
from bench.pages import CHROMIUM, DEMO_PASSWORD, FLAGS, sign_in  # noqa: E402

SMOKE = {"rounds": 3}
BAD_ROLE = "fire_brigade"

# In the page: change the lane's post through the panel's select (the `input` event the panel's
# select listens to, as a pick with the mouse fires it), then wait for the findings the
# server sends back after that change; returns the milliseconds between the two.
CHANGE_AND_WAIT = """async ([role, expectFinding]) => {
  const select = document.querySelector('#bio-properties-panel-ow-role');
  const list = document.getElementById('findings');
  const began = performance.now();
  if (![...select.options].some((o) => o.value === role)) select.append(new Option(role, role));
  select.value = role;
  select.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((resolve, reject) => {
    const give = setTimeout(() => reject(new Error('no findings within 10 s')), 10000);
    const seen = () => Number(list.dataset.checkedAt || 0) > began
      && list.textContent.includes('lane_front_desk') === expectFinding;
    const observer = new MutationObserver(() => { if (seen()) { clearTimeout(give); observer.disconnect(); resolve(); } });
    observer.observe(list, { attributes: true, childList: true, subtree: true });
  });
  return Number(list.dataset.checkedAt) - began;
}"""


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):.0f} ms, p90 {p90:.0f} ms, max {ordered[-1]:.0f} ms"


def _token(base: str) -> dict:
    answer = requests.post(f"{base}/api/v1/auth/token", json={"username": "designer", "password": DEMO_PASSWORD},
                           timeout=30)
    check(answer.status_code == 200, lambda: f"sign-in: HTTP {answer.status_code} {answer.text[:300]}")
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def server_rounds(base: str, rounds: int) -> tuple[int, int, dict]:
    headers = _token(base)
    made = requests.post(f"{base}/api/v1/drafts", json={"source": "template", "template": "standard_licence"},
                         headers=headers, timeout=30)
    check(made.status_code == 201, lambda: f"new draft: HTTP {made.status_code} {made.text[:300]}")
    draft = made.json()
    xml, revision = draft["xml"], draft["revision"]
    good, bad = 'name="front_desk"', f'name="{BAD_ROLE}"'
    check(good in xml, "the shipped diagram has no front desk lane")
    times: dict[str, list[float]] = {"check (unsaved)": [], "save + validate": []}
    for r in range(rounds):
        edited = xml.replace(good, bad) if r % 2 == 0 else xml
        began = time.perf_counter()
        checked = requests.post(f"{base}/api/v1/drafts/{draft['id']}/check", json={"xml": edited}, headers=headers,
                                timeout=30)
        times["check (unsaved)"].append((time.perf_counter() - began) * 1000)
        found = [p for p in checked.json().get("problems", []) if p["element_id"] == "lane_front_desk"]
        check(checked.status_code == 200 and bool(found) == (r % 2 == 0),
              f"check round {r}: HTTP {checked.status_code}, findings {checked.text[:500]}")
        began = time.perf_counter()
        saved = requests.put(f"{base}/api/v1/drafts/{draft['id']}", json={"xml": edited, "revision": revision},
                             headers=headers, timeout=30)
        check(saved.status_code == 200, f"save round {r}: HTTP {saved.status_code} {saved.text[:300]}")
        revision = saved.json()["revision"]
        validated = requests.post(f"{base}/api/v1/drafts/{draft['id']}/validate", headers=headers, timeout=30)
        times["save + validate"].append((time.perf_counter() - began) * 1000)
        check(validated.status_code == 200, f"validate round {r}: HTTP {validated.status_code}")
    # leave the draft valid and free for the page
    requests.put(f"{base}/api/v1/drafts/{draft['id']}", json={"xml": xml, "revision": revision}, headers=headers,
                 timeout=30)
    requests.delete(f"{base}/api/v1/drafts/{draft['id']}/lease", headers=headers, timeout=30)
    return draft["id"], len(xml.encode("utf-8")), times


def page_rounds(base: str, draft_id: int, rounds: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            sign_in(page, base, "designer", f"/modeler/drafts/{draft_id}")
            page.wait_for_selector('#canvas[data-ready="true"]', timeout=60_000)
            lane = page.locator('[data-element-id="lane_front_desk"]').first
            box = lane.bounding_box()
            lane.click(position={"x": box["width"] - 15, "y": 15}, force=True)
            header = page.locator("#properties .bio-properties-panel-group-header", has_text="一窗通办").first
            if not page.locator("#bio-properties-panel-ow-role").is_visible():
                header.click()
            page.wait_for_selector("#bio-properties-panel-ow-role")
            samples = []
            for r in range(rounds):
                to_bad = r % 2 == 0
                samples.append(page.evaluate(CHANGE_AND_WAIT, [BAD_ROLE if to_bad else "front_desk", to_bad]))
            return samples
        finally:
            browser.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    add_smoke(parser, ", ".join(f"--{k} {v}" for k, v in SMOKE.items()))
    args = parse(parser, argv, SMOKE)
    check(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    check((ROOT / "app" / "web" / "static" / "build" / "modeler.js").exists(), "front-end assets not built: run `make assets`")
    exit_on_signals()
    with PgDatabase(args.pg_url, "onewindow_bench_modeler") as database, tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        app = make_app(database.url, instance)
        dispose(app)
        if args.smoke:
            print("SMOKE RUN (correctness only; figures of a few rounds mean nothing)")
        with Gunicorn(app, database.url.replace("postgresql+psycopg://", "postgresql://", 1), instance) as server:
            draft_id, size, times = server_rounds(server.base, args.rounds)
            shown = page_rounds(server.base, draft_id, args.rounds)
        print(f"editing the shipped standard_licence diagram ({size / 1024:.1f} KB), {args.rounds} rounds each:")
        for label, samples in times.items():
            print(f"  server {label}: {_ms(samples)}")
        print(f"  page: change in the panel → server findings shown: {_ms(shown)} (goal ≤ 300 ms)")
    return 0


if __name__ == "__main__":
    from bench.common import run

    run(main)
