"""Demo data: a hall, one user per role, two licence items and the standard flow.

Idempotent: running it again changes nothing that exists. Never run in production.
"""
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import roles as R
from app.auth import service as auth
from app.auth.models import Hall, User
from app.catalog import service as catalog
from app.processes import service as processes

DEMO_PASSWORD = "onewindow-demo"
DISTRICT_HALL = ("HY-ZWFW", "鄠邑区政务服务中心", "district")
STREET_HALL = ("HY-GTJD", "甘亭街道便民服务中心", "street")

DEMO_USERS = [
    ("admin", "系统管理员", [(R.ADMIN, None)]),
    ("designer", "流程设计员", [(R.DESIGNER, None)]),
    ("frontdesk", "前台受理员 王敏", [(R.FRONT_DESK, "HY-ZWFW")]),
    ("backoffice", "后台审批员 李强", [(R.BACK_OFFICE, "HY-ZWFW")]),
    ("pickup", "出件窗口 赵丽", [(R.PICKUP_WINDOW, "HY-ZWFW")]),
    ("supervisor", "督办员 陈刚", [(R.SUPERVISOR, "HY-ZWFW")]),
]

DEMO_ITEMS = [
    {
        "code": "610118-SCJG-0001", "name": "食品经营许可（新办）", "legal_limit_days": 20,
        "promised_limit_days": 10,
        "materials": [("SQS", "食品经营许可申请书"), ("YYZZ", "营业执照复印件"),
                      ("FDDBR", "法定代表人（负责人）身份证明"), ("PMT", "经营场所平面布局图"),
                      ("GLZD", "食品安全管理制度文本")],
    },
    {
        "code": "610118-WJ-0002", "name": "公共场所卫生许可（新办）", "legal_limit_days": 20,
        "promised_limit_days": 5,
        "materials": [("SQB", "公共场所卫生许可申请表"), ("YYZZ", "营业执照复印件"),
                      ("JCBG", "卫生检测报告"), ("CYRY", "从业人员健康合格证明")],
    },
    {
        "code": "610118-SCJG-0003", "name": "食品经营许可（延续）", "legal_limit_days": 20,
        "promised_limit_days": 10, "process": "renewal",
        "materials": [("YXSQ", "食品经营许可延续申请书"), ("YXZ", "原食品经营许可证")],
    },
]


def _hall(session: Session, code: str, name: str, level: str, parent: Hall | None = None) -> Hall:
    hall = session.scalar(select(Hall).where(Hall.code == code))
    if hall is None:
        hall = Hall(code=code, name=name, level=level, parent_id=parent.id if parent else None)
        session.add(hall)
        session.flush()
    return hall


def seed(session: Session, processes_dir: Path, limits: processes.DeployLimits) -> list[str]:
    """Create what is missing; returns lines describing the result."""
    district = _hall(session, *DISTRICT_HALL)
    street = _hall(session, *STREET_HALL, parent=district)
    halls = {district.code: district, street.code: street}
    lines = []
    for username, display, grants in DEMO_USERS:
        if session.scalar(select(User).where(User.username == username)) is None:
            auth.create_user(session, username, DEMO_PASSWORD, display,
                             [(role, halls[hall] if hall else None) for role, hall in grants])
            lines.append(f"created user {username}")
    for path in sorted(processes_dir.glob("*.bpmn")):
        definition, created = processes.deploy(session, path.read_bytes(), [], None, limits)
        lines.append(f"{'deployed' if created else 'kept'} process {definition.key} v{definition.version}")
    for item in DEMO_ITEMS:
        catalog.upsert_item(session, code=item["code"], name=item["name"], process_key=item.get("process", "standard_licence"),
                            legal_limit_days=item["legal_limit_days"],
                            promised_limit_days=item["promised_limit_days"],
                            halls=[district, street], materials=item["materials"])
    session.commit()
    return lines
