"""Page benchmark: time to first render of the inbox with 500 open tasks, and the weight of the
inbox, task and modeler pages (every byte the browser fetches, raw and gzip-compressed).

    .venv/bin/python bench/pages.py [--tasks 500] [--rounds 10]

Runs the real app (SQLite, demo seed) in a background HTTP server and Debian's Chromium via
Playwright; needs `make assets` first.
"""
import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine_overhead import make_app  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def open_cases(app, count: int) -> None:
    from app.applicants.idnumbers import with_check_digit_id_card
    from app.auth.models import User
    from app.auth.principal import Principal
    from app.cases import service as cases
    from app.cases.settings import CaseSettings
    from app.extensions import db

    with app.app_context():
        principal = Principal.of(db.session.query(User).filter_by(username="frontdesk").one())
        settings = CaseSettings.from_config(app.config)
        for n in range(count):
            day, seq = divmod(n, 1000)
            cases.start_case(db.session, principal, {
                "item_code": "610118-SCJG-0001", "channel": "window", "hall": "HY-ZWFW", "materials": ["SQS"],
                "applicant": {"name": f"基准申请人{n}", "id_type": "id_card",
                              "id_number": with_check_digit_id_card(f"610124199003{day + 1:02d}{seq:03d}")}}, settings)
        db.session.remove()


def weigh(page, url: str) -> tuple[int, int, int]:
    """(requests, raw bytes, gzip bytes) of everything loading `url` fetches."""
    bodies = []

    def keep(response):
        bodies.append(response)
    page.on("response", keep)
    page.goto(url, wait_until="networkidle")
    raw = comp = 0
    for response in bodies:
        try:
            body = response.body()
        except Exception:  # redirects carry no body
            continue
        raw += len(body)
        comp += len(gzip.compress(body, 6))
    page.remove_listener("response", keep)
    return len(bodies), raw, comp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.concurrency.harness import serving

    app = make_app(f"sqlite:///{Path(tempfile.mkdtemp()) / 'pages.db'}", Path(tempfile.mkdtemp()))
    t0 = time.perf_counter()
    open_cases(app, args.tasks)
    print(f"opened {args.tasks} cases (one open front-desk task each) in {time.perf_counter() - t0:.1f} s")
    with serving(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        page.fill('input[name="username"]', "frontdesk")
        page.fill('input[name="password"]', "onewindow-demo")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/inbox")
        samples, server, paints = [], [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            page.goto(f"{base}/inbox", wait_until="load")
            samples.append(time.perf_counter() - started)
            server.append(page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd"))
            paints.append(page.evaluate("""() => new Promise((done) => {
                new PerformanceObserver((list) => {
                    const fcp = list.getEntries().find((e) => e.name === 'first-contentful-paint');
                    if (fcp) done(fcp.startTime);
                }).observe({ type: 'paint', buffered: true });
                setTimeout(() => done(-1), 2000);
            })"""))
        total = page.inner_text("#total")
        print(f"inbox with {total} open tasks (50 per page), {args.rounds} loads:")
        print(f"  navigation to load event: median {statistics.median(samples) * 1000:.0f} ms, "
              f"max {max(samples) * 1000:.0f} ms")
        print(f"  HTML received (responseEnd): median {statistics.median(server):.0f} ms; "
              f"first contentful paint: median {statistics.median(paints):.0f} ms (-1: not reported)")
        task_url = base + page.locator("tr.task td a").first.get_attribute("href")
        for label, url, who in (("inbox", f"{base}/inbox", None), ("task page (form viewer)", task_url, None),
                                ("modeler", f"{base}/modeler?key=standard_licence", "designer")):
            context = browser.new_context(viewport={"width": 1280, "height": 900})  # empty cache
            fresh = context.new_page()
            fresh.goto(f"{base}/login?next=/guides")
            fresh.fill('input[name="username"]', who or "frontdesk")
            fresh.fill('input[name="password"]', "onewindow-demo")
            fresh.click("button[type=submit]")
            fresh.wait_for_load_state("networkidle")
            count, raw, comp = weigh(fresh, url)
            print(f"  weight of {label}: {count} requests, {raw / 1024:.0f} KiB raw, {comp / 1024:.0f} KiB gzip")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
