"""Page benchmark: time to first render of the inbox with 500 open tasks, and the weight of the
inbox, task and modeler pages (every byte the browser fetches, raw and gzip-compressed).

    .venv/bin/python bench/pages.py [--tasks 500] [--rounds 10]
    .venv/bin/python bench/pages.py --smoke           # 5 tasks, 2 rounds: a correctness run

Runs the real app (SQLite, demo seed) in a background HTTP server and Debian's Chromium
(/usr/bin/chromium or $CHROMIUM, --no-sandbox --disable-gpu) via Playwright, never
`playwright install`; needs `make assets` first. Cases are opened through the API; every page
and every file it loads must answer below 400 and the inbox must count the opened tasks, or the
run stops (exit 1).

Imports from app/: only `app.create_app` (bench/common.py).
"""
import argparse
import gzip
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEMO_PASSWORD,
    HALL,
    ITEM,
    Api,
    BenchError,
    Server,
    add_smoke,
    check,
    exit_on_signals,
    make_app,
    parse,
    person,
)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BUILT = ROOT / "app" / "web" / "static" / "build" / "taskform.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SMOKE = {"tasks": 5, "rounds": 2}


def open_cases(app, count: int) -> None:
    """`count` cases through POST /api/v1/cases (front desk): one open acceptance task each."""
    frontdesk = Api(app, "frontdesk")
    for n in range(count):
        frontdesk.post("/api/v1/cases", {"item_code": ITEM, "channel": "window", "hall": HALL, "materials": ["SQS"],
                                         "applicant": {**person(n, born_from=date(1990, 3, 1)), "name": f"基准申请人{n}"}},
                       expect=201)


class Watch:
    """Every response a page gets; answers of 400 and above are failures."""

    def __init__(self, page):
        self.page, self.responses = page, []

        def keep(response):  # a plain function: Playwright tags the handler it is given
            self.responses.append(response)
        self._keep = keep
        page.on("response", keep)

    def failures(self) -> list[str]:
        return [f"HTTP {r.status} {r.request.method} {r.url}" for r in self.responses if r.status >= 400]

    def check(self, what: str) -> None:
        bad = self.failures()
        check(not bad, lambda: f"{what}: " + "; ".join(bad[:10]))

    def stop(self) -> None:
        self.page.remove_listener("response", self._keep)


def goto(page, url: str, **kwargs):
    response = page.goto(url, **kwargs)
    check(response is not None and response.ok, lambda: f"GET {url}: HTTP {response.status if response else '-'}")
    return response


def sign_in(page, base: str, username: str, next_path: str) -> None:
    goto(page, f"{base}/login?next={next_path}")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', DEMO_PASSWORD)
    page.click("button[type=submit]")
    try:
        page.wait_for_url(f"{base}{next_path}", timeout=30_000)
    except Exception as error:
        raise BenchError(f"signing {username} in did not lead to {next_path} (at {page.url}): {error}") from error


def weigh(page, url: str) -> tuple[int, int, int]:
    """(requests, raw bytes, gzip bytes) of everything loading `url` fetches."""
    watch = Watch(page)
    goto(page, url, wait_until="networkidle")
    watch.stop()
    watch.check(f"loading {url}")
    raw = comp = 0
    for response in watch.responses:
        try:
            body = response.body()
        except Exception:  # redirects carry no body
            continue
        raw += len(body)
        comp += len(gzip.compress(body, 6))
    return len(watch.responses), raw, comp


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    add_smoke(parser, ", ".join(f"--{k} {v}" for k, v in SMOKE.items()))
    args = parse(parser, argv, SMOKE)
    if args.tasks < 1 or args.rounds < 1:
        parser.error("bad --tasks or --rounds")
    check(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium; never `playwright install`)")
    check(BUILT.exists(), "front-end assets not built: run `make assets`")
    exit_on_signals()
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="onewindow-bench-pages-") as tmp:
        app = make_app(f"sqlite:///{Path(tmp) / 'pages.db'}", Path(tmp) / "instance")
        t0 = time.perf_counter()
        open_cases(app, args.tasks)
        if args.smoke:
            print("SMOKE RUN (correctness only; figures of a few loads mean nothing)")
        print(f"opened {args.tasks} cases (one open front-desk task each) through the API in {time.perf_counter() - t0:.1f} s")
        with Server(app) as server, sync_playwright() as p:
            base = server.base
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                sign_in(page, base, "frontdesk", "/inbox")
                watch = Watch(page)
                samples, server_ms, paints = [], [], []
                for _ in range(args.rounds):
                    began = time.perf_counter()
                    goto(page, f"{base}/inbox", wait_until="load")
                    samples.append(time.perf_counter() - began)
                    server_ms.append(page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd"))
                    paints.append(page.evaluate("""() => new Promise((done) => {
                        new PerformanceObserver((list) => {
                            const fcp = list.getEntries().find((e) => e.name === 'first-contentful-paint');
                            if (fcp) done(fcp.startTime);
                        }).observe({ type: 'paint', buffered: true });
                        setTimeout(() => done(-1), 2000);
                    })"""))
                watch.stop()
                watch.check("loading /inbox")
                total = page.inner_text("#total")
                check(total.strip().replace(",", "") == str(args.tasks),
                      f"the inbox counts {total!r} open tasks, expected {args.tasks}")
                print(f"inbox with {total} open tasks (50 per page), {args.rounds} loads:")
                print(f"  navigation to load event: median {statistics.median(samples) * 1000:.0f} ms, "
                      f"max {max(samples) * 1000:.0f} ms")
                print(f"  HTML received (responseEnd): median {statistics.median(server_ms):.0f} ms; "
                      f"first contentful paint: median {statistics.median(paints):.0f} ms (-1: not reported)")
                link = page.locator("tr.task td a").first
                check(link.count() == 1, "the inbox lists no task link (tr.task td a)")
                task_url = base + link.get_attribute("href")
                for label, url, who in (("inbox", f"{base}/inbox", "frontdesk"),
                                        ("task page (form viewer)", task_url, "frontdesk"),
                                        ("modeler", f"{base}/modeler?key=standard_licence", "designer")):
                    context = browser.new_context(viewport={"width": 1280, "height": 900})  # empty cache
                    fresh = context.new_page()
                    sign_in(fresh, base, who, "/guides")
                    fresh.wait_for_load_state("networkidle")
                    count, raw, comp = weigh(fresh, url)
                    print(f"  weight of {label}: {count} requests, {raw / 1024:.0f} KiB raw, {comp / 1024:.0f} KiB gzip")
                    context.close()
            finally:
                browser.close()
    print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    from bench.common import run

    run(main)
