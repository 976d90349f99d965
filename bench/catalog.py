"""Catalogue benchmark: lint and publish a guide with 40 materials; render the catalogue
page (and its JSON) over 2,000 published items.

    .venv/bin/python bench/catalog.py                    # SQLite, 2,000 items
    .venv/bin/python bench/catalog.py --backend postgresql --items 2000

Prints medians (and p90) in milliseconds. Everything goes through the real app: the service
layer for building the catalogue, the Flask test client (full request cycle, no network) for
the timed requests.
"""
import argparse
import copy
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine_overhead import make_app  # noqa: E402
from tests.guides import guide_doc, material  # noqa: E402


def forty_materials(designer, rounds: int) -> dict:
    """POST the item (draft), GET its lint, POST publish: each timed separately."""
    import io

    from app.demo import formpdf

    def upload(sample: bool) -> str:
        pdf = formpdf.render("申请表", "基准测试", sample)
        return designer.post("/api/v1/catalog/files", data={"file": (io.BytesIO(pdf), "f.pdf")},
                             content_type="multipart/form-data").get_json()["sha256"]

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
        created = designer.post("/api/v1/catalog/items", json=doc)
        t1 = time.perf_counter()
        lint = designer.get(f"/api/v1/catalog/items/BENCH-40-{r}/versions/1/lint")
        t2 = time.perf_counter()
        published = designer.post(f"/api/v1/catalog/items/BENCH-40-{r}/versions/1/publish")
        t3 = time.perf_counter()
        assert created.status_code == 201 and lint.get_json()["findings"] == [] and published.status_code == 200, \
            (created.get_json(), lint.get_json(), published.get_json())
        times["create draft"].append(t1 - t0)
        times["lint"].append(t2 - t1)
        times["publish (lint + supersede)"].append(t3 - t2)
    return times


def build_catalogue(app, count: int) -> None:
    """`count` published items through the service layer (import + publish), in batches."""
    from app.catalog import guides, transfer
    from app.cli import file_store
    from app.extensions import db

    kinds = ["licence", "confirmation", "reward", "benefit", "adjudication", "other_power", "public_service"]
    bodies = [f"西安市鄠邑区第{i}局" for i in range(12)]
    with app.app_context():
        store = file_store()
        for i in range(count):
            doc = guide_doc(f"CAT-{i:05d}", name=f"目录测试事项{i:05d}", item_type=kinds[i % 7],
                            implementing_body=bodies[i % 12], halls=["HY-ZWFW", "HY-GTJD"][: 1 + i % 2])
            version, _ = transfer.import_document(db.session, transfer.parse(copy.deepcopy(doc)), "bench", store)
            guides.publish(db.session, version, "bench")
            if i % 200 == 199:
                db.session.commit()
        db.session.commit()
        db.session.remove()


def timed(client, path: str, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        response = client.get(path)
        out.append(time.perf_counter() - t0)
        assert response.status_code == 200, (path, response.status_code)
    return out


def show(label: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    print(f"  {label:<58} median {statistics.median(ms):8.1f} ms   p90 {p90:8.1f} ms   (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="bench-catalog-"))
    admin_url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    name = f"bench_catalog_{uuid.uuid4().hex[:8]}"
    if args.backend == "postgresql":
        with create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{instance / 'bench.db'}"
    try:
        app = make_app(url, instance)
        sys.path.insert(0, str(ROOT / "tests"))
        from tests.conftest import Api

        designer = Api(app, "designer")
        print(f"backend {args.backend}; {args.rounds} rounds each")
        print("guide with 40 materials (HTTP, test client):")
        for label, samples in forty_materials(designer, args.rounds).items():
            show(label, samples)

        t0 = time.perf_counter()
        build_catalogue(app, args.items)
        print(f"built {args.items} published items in {time.perf_counter() - t0:.1f} s "
              f"({(time.perf_counter() - t0) / args.items * 1000:.1f} ms per import + publish)")
        client = app.test_client()
        total = client.get("/api/v1/catalog/items").get_json()["total"]
        print(f"catalogue with {total} published items (anonymous):")
        show("GET /guides (page 1 of 50 items)", timed(client, "/guides", args.rounds))
        show("GET /guides?item_type=benefit&page=3", timed(client, "/guides?item_type=benefit&page=3", args.rounds))
        show("GET /guides?q=目录测试事项0199 (search)", timed(client, "/guides?q=目录测试事项0199", args.rounds))
        show("GET /api/v1/catalog/items?per_page=100", timed(client, "/api/v1/catalog/items?per_page=100", args.rounds))
        show("GET /guides/CAT-00042 (one guide page)", timed(client, "/guides/CAT-00042", args.rounds))
        import app.web.guides as pages
        pages.PER_PAGE = 100000  # every item on one page: the worst case a kiosk printout would ask for
        show(f"GET /guides with all {args.items}+ items on one page", timed(client, "/guides", max(3, args.rounds // 4)))
    finally:
        if args.backend == "postgresql":
            from app.extensions import db
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            with create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
