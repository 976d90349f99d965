"""The director's board with --open open cases (default 10,000): a PostgreSQL database filled
by SQL as bench/scale.py fills it, gunicorn as deployed, and Debian's Chromium timing /board as a
supervisor sees it: navigation to the charts drawn (the page's own `data-charts-ready`), the HTML
received (responseEnd), median and max of --rounds loads.

    .venv/bin/python bench/board.py [--open 10000] [--rounds 10]
    .venv/bin/python bench/board.py --smoke          # 100 open cases, 2 rounds: a correctness run

The figures the page shows are checked against SQL counts of the same database (the run stops,
exit 1, when they differ). Needs `make assets` and /usr/bin/chromium (never `playwright install`).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

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
    sql,
)
from bench.pages import CHROMIUM, FLAGS, goto, sign_in  # noqa: E402
from bench.scale import _fill, _template  # noqa: E402

SMOKE = {"open": 100, "rounds": 2}
OPEN_SHARE = 0.3  # bench/scale.py's fill leaves three cases in ten open


def _expected(app) -> dict:
    open_cases = sql(app, """SELECT count(*) FROM "case" WHERE status NOT IN
                             ('completed', 'denied', 'not_accepted', 'deemed_renewed')""")[0][0]
    front_desk = sql(app, "SELECT count(*) FROM task WHERE state = 'open' AND role = 'front_desk'")[0][0]
    return {"open": open_cases, "front_desk": front_desk}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=10_000, help="open cases on the board (default 10,000)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    add_smoke(parser, ", ".join(f"--{k} {v}" for k, v in SMOKE.items()))
    args = parse(parser, argv, SMOKE)
    check(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    check((ROOT / "app" / "web" / "static" / "build" / "board.js").exists(), "front-end assets not built: run `make assets`")
    exit_on_signals()
    from playwright.sync_api import sync_playwright

    tasks = int(args.open / OPEN_SHARE * 2.6) + 3
    with PgDatabase(args.pg_url, "onewindow_bench_board") as database, tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        app = make_app(database.url, instance)
        try:
            done, _ = _template(app)
            counts = _fill(app, done, tasks)
            expected = _expected(app)
        finally:
            dispose(app)
        if args.smoke:
            print("SMOKE RUN (correctness only; figures of a few loads mean nothing)")
        print(f"database: {counts['case']:,} cases ({expected['open']:,} open), {counts['task']:,} tasks "
              f"({counts['open tasks']:,} open) — made in {counts['seconds']} s")
        with Gunicorn(app, database.url.replace("postgresql+psycopg://", "postgresql://", 1), instance) as server, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                sign_in(page, server.base, "supervisor", "/board")
                loads, html = [], []
                for _ in range(args.rounds):
                    began = time.perf_counter()
                    goto(page, f"{server.base}/board", wait_until="load")
                    page.wait_for_selector("body[data-charts-ready=true]", timeout=60_000)
                    loads.append((time.perf_counter() - began) * 1000)
                    html.append(page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd"))
                shown = int(page.inner_text("#tile-pending"))
                check(shown == expected["open"], f"the board shows {shown} open cases, the database holds {expected['open']}")
                front = page.locator("#posts tr", has_text="前台综合受理").locator("td").nth(1).inner_text()
                check(int(front) == expected["front_desk"], f"front desk: board {front}, database {expected['front_desk']}")
            finally:
                browser.close()
        print(f"/board for a supervisor with {expected['open']:,} open cases, {args.rounds} loads:")
        print(f"  navigation to charts drawn: median {statistics.median(loads):.0f} ms, max {max(loads):.0f} ms")
        print(f"  HTML received (responseEnd): median {statistics.median(html):.0f} ms, max {max(html):.0f} ms")
    return 0


if __name__ == "__main__":
    from bench.common import run

    run(main)
