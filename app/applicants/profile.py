"""What staff see of an applicant (art. 17, one-ID handling): their earlier cases and the
materials they already provided, so no clerk asks for them twice."""
import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.auth.principal import Principal
from app.cases.models import STATUS_LABELS, Case
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.parties.idnumbers import id_card_problem, normalise, uscc_problem
from app.parties.models import Applicant

_ID_CARD_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def check_id_number(number: str) -> tuple[str, str]:
    """(id_type, normalised number) of a valid ID card number or USCC, else 422 on `id_number`."""
    number = normalise(number)
    if _ID_CARD_SHAPE.match(number) and id_card_problem(number) is None:
        return "id_card", number
    if uscc_problem(number) is None:
        return "uscc", number
    problem = id_card_problem(number) if _ID_CARD_SHAPE.match(number) else uscc_problem(number)
    raise ValidationFailed(f"证件号码无效：{problem}", {"id_number": [
        f"既不是有效的居民身份证号码（GB 11643），也不是有效的统一社会信用代码（GB 32100）：{problem}"]})


def profile(session: Session, principal: Principal, number: str) -> dict:
    id_type, number = check_id_number(number)
    if not principal.is_staff():
        raise PermissionDenied("只有大厅工作人员可以查询申请人")
    applicant = session.scalar(select(Applicant).where(Applicant.id_number == number))
    if applicant is None or applicant.id_type != id_type:
        raise NotFound("没有该证件号码的申请人")
    stmt = select(Case).where(Case.applicant_id == applicant.id).options(selectinload(Case.guide))
    if not principal.is_admin:
        halls = principal.staff_halls()
        stmt = stmt.where(or_(Case.hall_id.in_(halls), Case.proxy_hall_id.in_(halls)))
    cases = list(session.scalars(stmt.order_by(Case.created_at.desc(), Case.id.desc())))
    if not cases and not principal.is_admin:
        # Contact details only to staff who handle (or handled) this applicant's cases.
        raise NotFound("您所在大厅没有该申请人的办件")
    provided: dict[tuple, dict] = {}
    for case in cases:  # newest first: the first sighting of a material is the latest
        names = case.guide.material_names()
        for code in case.materials:
            provided.setdefault((case.item.code, code), {
                "code": code, "name": names.get(code, code), "item_code": case.item.code,
                "item_name": case.item.name, "case_no": case.case_no,
                "provided_at": case.created_at.isoformat()})
    return {
        "applicant": {"id_type": applicant.id_type, "id_number": applicant.id_number, "name": applicant.name,
                      "phone": applicant.phone, "email": applicant.email},
        "cases": [{"id": c.id, "case_no": c.case_no, "item_code": c.item.code, "item_name": c.item.name,
                   "guide_version": c.guide.version, "hall": c.hall.code, "status": c.status,
                   "status_label": STATUS_LABELS.get(c.status, c.status), "created_at": c.created_at.isoformat()}
                  for c in cases],
        "materials_provided": list(provided.values()),
    }
