"""Catalogue benchmark: lint and publish a guide with 40 materials; render the catalogue
page (and its JSON) over 2,000 published items.

    .venv/bin/python bench/catalog.py                    # SQLite, 2,000 items
    .venv/bin/python bench/catalog.py --backend postgresql --items 2000
    .venv/bin/python bench/catalog.py --smoke            # 30 items, 2 rounds: a correctness run

Prints medians (and p90) in milliseconds. Everything goes through the real app: the Flask test
client (full request cycle, no network) for the timed requests, `flask catalog import
--publish` (the CLI, in this process) to build the catalogue. Every request must answer its
expected status, or the run stops (exit 1).

Imports from app/: only `app.create_app` (bench/common.py). The one-page worst case sets the
catalogue page's page size (PER_PAGE of the module serving the `guides.catalogue` endpoint,
found through the app's view functions, not by module path).
"""
import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_PG_URL,
    Api,
    PgDatabase,
    add_smoke,
    check,
    dispose,
    exit_on_signals,
    flask_cli,
    guide_doc,
    make_app,
    material,
    parse,
)

SMOKE = {"items": 30, "rounds": 2}


def form_pdf(title: str, sample: bool) -> bytes:
    """A one-page form (blank or filled-in sample) as a PDF, like the demo's."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(f"{title} ({'sample' if sample else 'blank'})")
    width, height = A4
    pdf.setFont("Helvetica", 18)
    pdf.drawCentredString(width / 2, height - 80, title)
    for i, label in enumerate(("Applicant", "ID number", "Address", "Phone", "Business scope")):
        y = height - 140 - i * 36
        pdf.rect(60, y - 36, width - 120, 36)
        pdf.setFont("Helvetica", 11)
        pdf.drawString(68, y - 23, label)
        if sample:
            pdf.drawString(258, y - 23, f"sample {label.lower()}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def forty_materials(designer: Api, rounds: int) -> dict:
    """POST the item (draft), GET its lint, POST publish: each timed separately."""
    def upload(sample: bool) -> str:
        return designer.post("/api/v1/catalog/files", data={"file": (io.BytesIO(form_pdf("Application form", sample)),
                                                                     "f.pdf")},
                             content_type="multipart/form-data", expect=201).get_json()["sha256"]

    blank, sample = upload(False), upload(True)
    kinds = [dict(category="form", blank_template=blank, sample=sample),
             dict(category="certificate", certificate_code="ZM-004"),
             dict(source="intermediary", agency_category="具备CMA资质认定的检验检测机构"),
             dict(source="sharing", requirement="exempt"), dict(requirement="conditional", condition="委托办理的"),
             {}, {}, {}]
    times = {"create draft": [], "lint": [], "publish (lint + supersede)": []}
    for r in range(rounds):
        materials = [material(f"M{i:02d}", f"第{i}号申请材料", **kinds[i % len(kinds)]) for i in range(40)]
        doc = guide_doc(f"BENCH-40-{r}", materials=materials)
        t0 = time.perf_counter()
        designer.post("/api/v1/catalog/items", doc, expect=201)
        t1 = time.perf_counter()
        lint = designer.get(f"/api/v1/catalog/items/BENCH-40-{r}/versions/1/lint")
        t2 = time.perf_counter()
        Api(designer.app, "admin").post(f"/api/v1/catalog/items/BENCH-40-{r}/versions/1/publish")  # admins publish
        t3 = time.perf_counter()
        findings = lint.get_json()["findings"]
        check(findings == [], f"lint of BENCH-40-{r}: {findings}")
        times["create draft"].append(t1 - t0)
        times["lint"].append(t2 - t1)
        times["publish (lint + supersede)"].append(t3 - t2)
    return times


def build_catalogue(app, count: int, folder: Path) -> None:
    """`count` guide documents imported and published with `flask catalog import --publish`."""
    kinds = ["licence", "confirmation", "reward", "benefit", "adjudication", "other_power", "public_service"]
    bodies = [f"西安市鄠邑区第{i}局" for i in range(12)]
    paths = []
    for i in range(count):
        doc = guide_doc(f"CAT-{i:05d}", name=f"目录测试事项{i:05d}", item_type=kinds[i % 7],
                        implementing_body=bodies[i % 12], halls=["HY-ZWFW", "HY-GTJD"][: 1 + i % 2])
        paths.append(folder / f"CAT-{i:05d}.json")
        paths[-1].write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for chunk in range(0, count, 500):  # a command line of 500 paths at a time
        batch = [str(path) for path in paths[chunk:chunk + 500]]
        output = flask_cli(app, "catalog", "import", "--publish", *batch)
        published = output.count(" published")
        check(published == len(batch),
              f"`flask catalog import --publish`: {published} of {len(batch)} published:\n{output[-3000:]}")


def timed(client: Api, path: str, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        client.get(path)
        out.append(time.perf_counter() - t0)
    return out


def show(label: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    print(f"  {label:<58} median {statistics.median(ms):8.1f} ms   p90 {p90:8.1f} ms   (n={len(ms)})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help="PostgreSQL server (admin database) for --backend postgresql "
                             "(default $TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/postgres)")
    add_smoke(parser, ", ".join(f"--{k} {v}" for k, v in SMOKE.items()))
    args = parse(parser, argv, SMOKE)
    if args.items < 1 or args.rounds < 1:
        parser.error("bad --items or --rounds")
    exit_on_signals()
    started = time.perf_counter()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="onewindow-bench-catalog-")))
        if args.backend == "postgresql":
            pg = stack.enter_context(PgDatabase(args.pg_url, prefix="onewindow_bench_catalog"))
            url = pg.url
            print(f"PostgreSQL: database {pg.name} (dropped at the end)")
        else:
            url = f"sqlite:///{tmp / 'bench.db'}"
        app = make_app(url, tmp / "instance")
        stack.callback(dispose, app)  # before the database is dropped
        designer = Api(app, "designer")
        print(("SMOKE RUN (correctness only; figures of a few rounds mean nothing)\n" if args.smoke else "")
              + f"backend {args.backend}; {args.rounds} rounds each")
        print("guide with 40 materials (HTTP, test client):")
        for label, samples in forty_materials(designer, args.rounds).items():
            show(label, samples)

        docs = tmp / "docs"
        docs.mkdir()
        t0 = time.perf_counter()
        build_catalogue(app, args.items, docs)
        took = time.perf_counter() - t0
        print(f"built {args.items} published items with `flask catalog import --publish` in {took:.1f} s "
              f"({took / args.items * 1000:.1f} ms per import + publish)")
        client = Api(app)  # anonymous
        total = client.get("/api/v1/catalog/items").get_json()["total"]
        check(total >= args.items, f"the catalogue lists {total} published items, expected at least {args.items}")
        one = f"CAT-{min(42, args.items - 1):05d}"
        print(f"catalogue with {total} published items (anonymous):")
        show("GET /guides (page 1 of 50 items)", timed(client, "/guides", args.rounds))
        show("GET /guides?item_type=benefit&page=3", timed(client, "/guides?item_type=benefit&page=3", args.rounds))
        show("GET /guides?q=目录测试事项0199 (search)", timed(client, "/guides?q=目录测试事项0199", args.rounds))
        show("GET /api/v1/catalog/items?per_page=100", timed(client, "/api/v1/catalog/items?per_page=100", args.rounds))
        show(f"GET /guides/{one} (one guide page)", timed(client, f"/guides/{one}", args.rounds))
        pages = sys.modules[app.view_functions["guides.catalogue"].__module__]
        check(hasattr(pages, "PER_PAGE"), f"{pages.__name__} (serving /guides) has no PER_PAGE to raise")
        pages.PER_PAGE = 100000  # every item on one page: the worst case a kiosk printout would ask for
        show(f"GET /guides with all {args.items}+ items on one page", timed(client, "/guides", max(3, args.rounds // 4)))
    print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    from bench.common import run

    run(main)
