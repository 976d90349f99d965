"""Demo data: halls, one user per role, the shipped flows, the retained-certificate catalogue
and a catalogue of published guides (app/demo/guides/*.json), plus one draft that breaks every
lint rule (610118-DEMO-9999) to show what the linter says.

Idempotent: running it again changes nothing that exists. Never run in production.
"""
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import roles as R
from app.auth import service as auth
from app.auth.models import Hall, User
from app.catalog import certificates, guides, transfer
from app.catalog.document import ItemDoc, load
from app.catalog.models import RetainedCertificate, ServiceItem
from app.demo import formpdf
from app.demo.policies import seed_policies
from app.files import service as files
from app.files.service import FileStore
from app.processes import service as processes
from app.settings import Settings

DEMO_PASSWORD = "onewindow-demo"
GUIDES_DIR = Path(__file__).parent / "guides"
NONCOMPLIANT = "610118-DEMO-9999"
DISTRICT_HALL = ("HY-ZWFW", "鄠邑区政务服务中心", "district")
STREET_HALL = ("HY-GTJD", "甘亭街道便民服务中心", "street")
COMMUNITY_STATION = ("HY-GTDJ", "甘亭街道东街社区便民服务站", "community")
# A hall registered before art. 21's uniform names; kept to show the linter's hall-name rule.
LEGACY_HALL = ("HY-DFSQ-OLD", "东风路办事处服务大厅", "street")

DEMO_USERS: list[tuple[str, str, list[tuple[str, str | None]]]] = [
    ("admin", "系统管理员", [(R.ADMIN, None)]),
    ("designer", "流程设计员", [(R.DESIGNER, None)]),
    ("frontdesk", "前台受理员 王敏", [(R.FRONT_DESK, "HY-ZWFW")]),
    ("backoffice", "后台审批员 李强", [(R.BACK_OFFICE, "HY-ZWFW")]),
    ("pickup", "出件窗口 赵丽", [(R.PICKUP_WINDOW, "HY-ZWFW")]),
    ("supervisor", "督办员 陈刚", [(R.SUPERVISOR, "HY-ZWFW")]),
    ("gtdesk", "甘亭街道综合窗口 刘洋", [(R.FRONT_DESK, "HY-GTJD"), (R.BACK_OFFICE, "HY-GTJD"),
                                      (R.PICKUP_WINDOW, "HY-GTJD")]),
    ("community", "东街社区代办员 孙芳", [(R.FRONT_DESK, "HY-GTDJ")]),
]


def _hall(session: Session, code: str, name: str, level: str, parent: Hall | None = None) -> Hall:
    hall = session.scalar(select(Hall).where(Hall.code == code))
    if hall is None:
        hall = Hall(code=code, name=name, level=level, parent_id=parent.id if parent else None)
        session.add(hall)
        session.flush()
    return hall


def _with_form_files(session: Session, store: FileStore, doc: dict) -> None:
    """Give each form material a blank form and a sample (the non-compliant draft stays without)."""
    guide = doc["guide"]
    for material in guide["materials"]:
        if material.get("category") != "form" or doc["item_code"] == NONCOMPLIANT:
            continue
        for part, sample in (("blank_template", False), ("sample", True)):
            if not material.get(part):
                pdf = formpdf.render(material["name"], guide["name"], sample)
                name = f"{material['name']}（{'样表' if sample else '空表'}）.pdf"
                material[part] = files.store(session, store, pdf, name, by="seed").sha256


def seed_catalogue(session: Session, store: FileStore) -> list[str]:
    lines = []
    for row in json.loads((GUIDES_DIR / "retained_certificates.json").read_text("utf-8")):
        if session.scalar(select(RetainedCertificate.id).where(RetainedCertificate.code == row["code"])) is None:
            certificates.add(session, row["code"], row["name"], row.get("issuing_body"), row.get("legal_basis"))
    # The non-compliant draft last: it is compared with the published guides of its base code.
    paths = sorted(GUIDES_DIR.glob("610118-*.json"), key=lambda p: (p.stem == NONCOMPLIANT, p.stem))
    for path in paths:
        doc = load(ItemDoc(), json.loads(path.read_text("utf-8")))
        item = session.scalar(select(ServiceItem).where(ServiceItem.code == doc["item_code"]))
        published = guides.published_of(session, item) if item else None
        if item is not None and (published is None or published.created_by != "migration"):
            continue  # seeded before: leave it (and any edits made since) alone
        if published is not None:  # an item from the minimal catalogue of earlier releases
            doc["guide"]["legal_change"] = "按《政务服务标准化管理实施细则》第六条、第七条补全办事指南要素"
        _with_form_files(session, store, doc)
        version, _ = transfer.import_document(session, doc, "seed", store)
        if doc["item_code"] != NONCOMPLIANT:
            guides.publish(session, version, "seed")
            lines.append(f"published guide {doc['item_code']} v{version.version}")
        else:
            lines.append(f"drafted guide {doc['item_code']} (breaks every lint rule, for the demo)")
    return lines


def seed(session: Session, processes_dir: Path, limits: processes.DeployLimits, settings: Settings) -> list[str]:
    """Create what is missing; returns lines describing the result."""
    store = settings.store
    district = _hall(session, *DISTRICT_HALL)
    street = _hall(session, *STREET_HALL, parent=district)
    _hall(session, *COMMUNITY_STATION, parent=street)
    _hall(session, *LEGACY_HALL, parent=district)
    halls = {h.code: h for h in session.scalars(select(Hall))}
    lines = []
    for username, display, grants in DEMO_USERS:
        if session.scalar(select(User).where(User.username == username)) is None:
            auth.create_user(session, username, DEMO_PASSWORD, display,
                             [(role, halls[hall] if hall else None) for role, hall in grants])
            lines.append(f"created user {username}")
    for path in sorted(processes_dir.glob("*.bpmn")):
        definition, created = processes.deploy(session, path.read_bytes(), [], None, limits)
        lines.append(f"{'deployed' if created else 'kept'} process {definition.key} v{definition.version}")
    lines += seed_catalogue(session, store)
    lines += seed_policies(session, settings)
    session.commit()
    return lines
