"""Lists at scale: a PostgreSQL database of --tasks tasks (default 1,000,000; a tenth open) made
with SQL in a few minutes, then the inbox, case search, dossier, statistics and running-cases
lists timed through HTTP against gunicorn (p50/p95 of --rounds calls each, as the client sees
them: server time plus a millisecond of local HTTP).

The bulk rows copy one real case (started and decided through the API first): a third as many
cases as tasks, three tasks each (the open cases' last one open), four history events each and a
rating for every third closed case. Lists never read the engine state, so the copies carry none.

`--smoke` (3,000 tasks, 3 rounds, page 3) runs in `make test` (tests/test_bench_smoke.py).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_PG_URL,
    Api,
    Client,
    Gunicorn,
    PgDatabase,
    add_smoke,
    check,
    dispose,
    engine_of,
    exit_on_signals,
    make_app,
    parse,
    person,
    run,
    sql,
)

ITEM = "610118-SCJG-0001"  # 食品经营许可（新办）, the standard flow
SMOKE = {"tasks": 3000, "rounds": 3, "pages": 3}


def _template(app) -> tuple[int, int]:
    """A case decided and delivered through the API, and one still open; their ids."""
    frontdesk, backoffice, pickup = Api(app, "frontdesk"), Api(app, "backoffice"), Api(app, "pickup")

    def start(n):
        body = {"item_code": ITEM, "applicant": person(n), "channel": "window", "hall": "HY-ZWFW",
                "materials": ["SQS", "YYZZ", "FDDBR"]}
        return frontdesk.post("/api/v1/cases", body, expect=201).get_json()

    def complete(api, case, name, data):
        task = next(t for t in case["open_tasks"] if t["name"] == name)
        return api.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data}).get_json()

    done = complete(frontdesk, start(1), "front_desk_acceptance", {"outcome": "accept"})
    done = complete(backoffice, done, "back_office_review", {"decision": "approve"})
    done = complete(pickup, done, "window_delivery", {"delivery_method": "mail", "carrier": "sf", "tracking_no": "SF0000000001"})
    check(done["status"] == "completed", f"the template case ended as {done['status']}")
    still = start(2)
    return done["id"], still["id"]


def _bulk(app, statement: str, **params) -> None:
    """One bulk statement without the app's statement timeout (loading a million rows takes longer)."""
    from sqlalchemy import text

    with engine_of(app).begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text(statement), params)


def _columns(app, table: str) -> list[str]:
    rows = sql(app, "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                    "ORDER BY ordinal_position", t=table)
    return [r[0] for r in rows]


def _fill(app, template: int, tasks: int) -> dict:
    """Bulk rows by SQL, copying the template case's columns where no override says otherwise."""
    # a tenth submitted (one task, open at the front desk), a fifth under review (two, the back
    # office's open), the rest completed (three): 2.6 tasks a case, a tenth of them open
    cases = max(1, tasks * 10 // 26)
    overrides = {
        "case_no": "'BENCH' || lpad(g::text, 9, '0')",
        "applicant_name": "'申请人' || g",
        "applicant": "json_build_object('name', '申请人' || g, 'id_type', 'id_card', 'id_number', 'X', 'phone', NULL)",
        "status": "CASE g % 10 WHEN 0 THEN 'submitted' WHEN 1 THEN 'under_review' WHEN 2 THEN 'under_review' "
                  "ELSE 'completed' END",
        "created_at": "now() - g * interval '1 minute'",
        "updated_at": "now() - g * interval '1 minute'",
        "closed_at": "CASE WHEN g % 10 < 3 THEN NULL ELSE now() - g * interval '1 minute' + interval '3 days' END",
        "decided_at": "CASE WHEN g % 10 < 3 THEN NULL ELSE now() - g * interval '1 minute' + interval '2 days' END",
        "decided_status": "CASE WHEN g % 10 < 3 THEN NULL ELSE 'awaiting_delivery' END",
        "decided_on_time": "CASE WHEN g % 10 < 3 THEN NULL ELSE g % 7 <> 0 END",
        "state": "''",
        "history_seq": "4",
        "history_head": "md5(g::text || 'h4') || md5(g::text || 'x')",
    }
    columns = [c for c in _columns(app, "case") if c != "id"]
    chosen = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    started = time.perf_counter()
    _bulk(app, f'INSERT INTO "case" ({quoted}) SELECT {chosen} FROM generate_series(1, :n) g '
             f'CROSS JOIN "case" t WHERE t.id = :template', n=cases, template=template)
    step = ("CASE k WHEN 1 THEN 'front_desk_acceptance' WHEN 2 THEN 'back_office_review' ELSE 'window_delivery' END")
    role = "CASE k WHEN 1 THEN 'front_desk' WHEN 2 THEN 'back_office' ELSE 'pickup_window' END"
    last = "CASE c.status WHEN 'submitted' THEN 1 WHEN 'under_review' THEN 2 ELSE 3 END"
    is_open = f"(c.status <> 'completed' AND k = {last})"
    due = "c.created_at + k * interval '1 day'"
    _bulk(app, f"""
        INSERT INTO task (id, case_id, spec_id, title, role, hall_id, form_key, state, created_at, due_at, sort_due,
                          due_provisional, completed_at, completed_by_id)
        SELECT md5(c.id::text || '-' || k)::uuid::text, c.id, {step}, {step}, {role}, c.hall_id, NULL,
               CASE WHEN {is_open} THEN 'open' ELSE 'completed' END,
               c.created_at + (k - 1) * interval '1 day', {due}, {due}, false,
               CASE WHEN {is_open} THEN NULL ELSE c.created_at + k * interval '1 day' - interval '1 hour' END,
               NULL
        FROM "case" c CROSS JOIN generate_series(1, 3) k WHERE c.case_no LIKE 'BENCH%' AND k <= {last}""")
    _bulk(app, """
        INSERT INTO case_event (case_id, seq, at, kind, actor, message, data, prev_hash, hash)
        SELECT c.id, s, c.created_at + s * interval '1 hour',
               CASE s WHEN 1 THEN 'case_submitted' WHEN 4 THEN 'case_closed' ELSE 'task_completed' END,
               'bench', '批量生成的办件记录 ' || s, '{}'::json,
               md5(c.id::text || 'h' || (s - 1)) || md5(c.id::text || 'x'), md5(c.id::text || 'h' || s) || md5(c.id::text || 'x')
        FROM "case" c CROSS JOIN generate_series(1, 4) s WHERE c.case_no LIKE 'BENCH%'""")
    _bulk(app, """
        INSERT INTO evaluation (case_id, level, channel, visit, comment, created_at)
        SELECT c.id, 1 + c.id % 5, 'window', '', NULL, c.closed_at
        FROM "case" c WHERE c.case_no LIKE 'BENCH%' AND c.closed_at IS NOT NULL AND c.id % 3 = 0""")
    _bulk(app, "ANALYZE")
    counts = {t: sql(app, f'SELECT count(*) FROM "{t}"')[0][0] for t in ("case", "task", "case_event", "evaluation")}
    counts["open tasks"] = sql(app, "SELECT count(*) FROM task WHERE state = 'open'")[0][0]
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["bench cases"] = cases
    return counts


def _timed(client: Client, path: str, rounds: int) -> tuple[float, float, dict]:
    client.get(path)  # warm: the worker's caches, the database's pages
    times, last = [], {}
    for _ in range(rounds):
        took, last = client.get(path)
        times.append(took)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, last


def _cursor_at(client: Client, path: str, page: int) -> str | None:
    cursor = None
    for _ in range(page - 1):
        _, body = client.get(path + (f"&cursor={cursor}" if cursor else ""))
        cursor = body.get("next_cursor")
        if cursor is None:
            return None
    return cursor


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000, help="tasks in the database (default 1,000,000)")
    parser.add_argument("--rounds", type=int, default=30, help="timed calls per list (default 30)")
    parser.add_argument("--pages", type=int, default=50, help="the deep page timed by cursor (default 50)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    add_smoke(parser, f"--tasks {SMOKE['tasks']} --rounds {SMOKE['rounds']} --pages {SMOKE['pages']}")
    args = parse(parser, argv, SMOKE)
    exit_on_signals()
    with PgDatabase(args.pg_url, "onewindow_bench_scale") as database, tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        app = make_app(database.url, instance)
        try:
            done, still = _template(app)
            counts = _fill(app, done, args.tasks)
            print(f"database: {counts['case']:,} cases, {counts['task']:,} tasks ({counts['open tasks']:,} open), "
                  f"{counts['case_event']:,} events, {counts['evaluation']:,} ratings — made in {counts['seconds']} s")
        finally:
            dispose(app)
        with Gunicorn(app, database.url.replace("postgresql+psycopg://", "postgresql://", 1), instance) as server:
            frontdesk, admin = Client(server.base, "frontdesk"), Client(server.base, "admin")
            supervisor = Client(server.base, "supervisor")
            middle = counts["bench cases"] // 2
            name, prefix = f"申请人{middle}", f"BENCH{middle:09d}"[:-1]  # ten numbers share the prefix
            deep_done = _cursor_at(frontdesk, "/api/v1/tasks?state=completed&per_page=20", args.pages)
            deep_open = _cursor_at(admin, "/api/v1/tasks?per_page=20", args.pages)
            deep_cases = _cursor_at(frontdesk, "/api/v1/cases?per_page=20", args.pages)
            lists = [
                ("inbox, front desk (open)", frontdesk, "/api/v1/tasks?per_page=20"),
                ("inbox, administrator (open)", admin, "/api/v1/tasks?per_page=20"),
                ("completed tasks, front desk", frontdesk, "/api/v1/tasks?state=completed&per_page=20"),
                (f"completed tasks, page {args.pages}", frontdesk,
                 f"/api/v1/tasks?state=completed&per_page=20&cursor={deep_done}" if deep_done else None),
                (f"open tasks (admin), page {args.pages}", admin,
                 f"/api/v1/tasks?per_page=20&cursor={deep_open}" if deep_open else None),
                ("case list, front desk", frontdesk, "/api/v1/cases?per_page=20"),
                (f"case list, page {args.pages}", frontdesk,
                 f"/api/v1/cases?per_page=20&cursor={deep_cases}" if deep_cases else None),
                ("case search: name part", frontdesk, f"/api/v1/cases?per_page=20&q={quote(name)}"),
                ("case search: number prefix", frontdesk, f"/api/v1/cases?per_page=20&q={prefix}"),
                ("dossier", frontdesk, f"/api/v1/cases/{done}"),
                ("好差评 statistics, supervisor", supervisor, "/api/v1/statistics/evaluation"),
                ("好差评 statistics, administrator", admin, "/api/v1/statistics/evaluation"),
                ("processes with running cases", admin, "/api/v1/processes"),
            ]
            print(f"\n{'list':<36} {'p50 ms':>8} {'p95 ms':>8}  rows  total")
            for name, client, path in lists:
                if path is None:
                    print(f"{name:<36} {'—':>8} {'—':>8}  (fewer pages than that)")
                    continue
                p50, p95, body = _timed(client, path, args.rounds)
                items = body if isinstance(body, list) else body.get("items")
                rows = len(items) if isinstance(items, list) else "—"
                total = (f"{body['total']}{'+' if body.get('total_capped') else ''}"
                         if isinstance(body, dict) and "total" in body else "—")
                print(f"{name:<36} {p50:8.1f} {p95:8.1f}  {rows!s:>4}  {total}")
            check(still > done, "the open template case exists")


if __name__ == "__main__":
    run(main)
