"""Applicants: validated, found or created by their id number."""
import re
import unicodedata

from sqlalchemy import bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import clock
from app.errors import ValidationFailed
from app.parties.idnumbers import id_problem, normalise
from app.parties.models import Applicant

PHONE = re.compile(r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$")  # ASCII digits only (re's [0-9])


def normalise_phone(text: str | None) -> str | None:
    """A phone number as it is stored: NFKC (fullwidth digits become 0–9), trimmed; None if empty.
    Digits of other scripts are left for PHONE to refuse."""
    return unicodedata.normalize("NFKC", text or "").strip() or None
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


NAME_MAX = 200  # the applicant row's column


def validate_applicant(data: dict) -> dict:
    """Normalise applicant details or raise ValidationFailed with `applicant.<field>` keys."""
    errors: dict[str, list[str]] = {}
    id_type = data.get("id_type")
    number = normalise(data.get("id_number"))
    problem = id_problem(id_type, number)
    if problem:
        errors["applicant.id_type" if "证件类型" in problem else "applicant.id_number"] = [problem]
    name = (data.get("name") or "").strip()
    if not name:
        errors["applicant.name"] = ["申请人名称为必填项"]
    elif len(name) > NAME_MAX:
        errors["applicant.name"] = [f"申请人名称不能超过 {NAME_MAX} 个字"]
    phone = normalise_phone(data.get("phone"))
    if phone and not PHONE.match(phone):
        errors["applicant.phone"] = ["联系电话格式不正确（手机号 11 位或带区号的固定电话）"]
    email = (data.get("email") or "").strip() or None
    if email and not _EMAIL.match(email):
        errors["applicant.email"] = ["电子邮箱格式不正确"]
    if errors:
        raise ValidationFailed("申请人信息有误", errors)
    return {"id_type": id_type, "id_number": number, "name": name, "phone": phone, "email": email}


def find_or_create(session: Session, details: dict) -> Applicant:
    """The applicant with this id number, created on first application; contact details
    are refreshed from the latest application. One statement: two windows receiving the first
    application of the same person at once meet in the upsert, not in a failed insert."""
    now = clock.now()
    dialect = session.get_bind().dialect.name
    upsert = _UPSERTS.get(dialect)
    if upsert is None:
        upsert = _UPSERTS[dialect] = _upsert(postgresql.insert if dialect == "postgresql" else sqlite.insert)
    applicant = session.scalar(upsert, {**details, "now": now}, execution_options={"populate_existing": True})
    if applicant is None:  # on file with another id type: the upsert's condition kept it as it is
        raise ValidationFailed("证件类型与已登记的申请人不一致",
                               {"applicant.id_type": ["证件类型与该号码已登记的类型不一致"]})
    return applicant


_UPSERTS: dict = {}  # by dialect, built once


def _upsert(insert):
    stmt = insert(Applicant).values(id_type=bindparam("id_type"), id_number=bindparam("id_number"),
                                    name=bindparam("name"), phone=bindparam("phone"), email=bindparam("email"),
                                    created_at=bindparam("now"), updated_at=bindparam("now"))
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[Applicant.id_number],
        set_={"name": new.name, "phone": func.coalesce(new.phone, Applicant.phone),
              "email": func.coalesce(new.email, Applicant.email), "updated_at": new.updated_at},
        where=Applicant.id_type == new.id_type,
    ).returning(Applicant)
