"""Guide documents for tests: complete, lint-clean guides to change one thing at a time."""
import copy

from app.catalog import guides, transfer
from app.extensions import db
from app.http.runtime import settings


def material(code: str, name: str, **over) -> dict:
    return {"code": code, "name": name, "category": "document", "material_type": "original", "copies": 1,
            "paper_spec": "A4", "medium": "paper", "requirement": "required", "source": "applicant",
            "legal_basis": "《中华人民共和国行政许可法》第二十九条", "tolerable": False, **over}


def guide_doc(code: str, *, process_key: str = "standard_licence", legal: int = 20, promised: int = 10,
              materials=(("SQS", "申请书"), ("PMT", "平面图")), halls=("HY-ZWFW",), base_code: str | None = None,
              level: str = "district", citywide: bool = False, **guide) -> dict:
    body = {
        "name": f"测试事项 {code}", "item_type": "licence", "implementing_body": "西安市鄠邑区测试局",
        "legal_basis": [{"law": "《中华人民共和国行政许可法》", "article": "第十二条",
                         "text": "下列事项可以设定行政许可：……"}],
        "service_object": "both", "acceptance_conditions": "（一）申请材料齐全；（二）符合法定形式。",
        "legal_limit_days": legal, "promised_limit_days": promised, "fee_charged": False, "fee_standard": "不收费",
        "handling_channels": ["window", "online"], "location": "鄠邑区政务服务中心一楼综合窗口",
        "hours": "法定工作日 9:00-17:00", "result_name": "测试许可证", "consultation_contact": "029-84800000",
        "complaint_contact": "12345", "process_description": "申请、受理、审查、决定、送达。",
        "special_procedures": [], "process_key": process_key, "change_summary": "首次发布", "legal_change": None,
        "materials": [m if isinstance(m, dict) else material(*m) for m in materials],
    }
    body.update(guide)
    return {"item_code": code, "base_code": base_code or code.replace("-", "")[:12], "level": level,
            "citywide": citywide, "halls": list(halls), "guide": body}


def publish_doc(app, doc: dict) -> int:
    """Import and publish through the service (as the seed does); returns the version number."""
    from app.catalog.document import ItemDoc, load

    with app.app_context():
        version, _ = transfer.import_document(db.session, load(ItemDoc(), copy.deepcopy(doc)), "test", settings().store)
        guides.publish(db.session, version, "test")
        db.session.commit()
        number = version.version
        db.session.remove()
    return number
