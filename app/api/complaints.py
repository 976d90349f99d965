"""投诉举报 (art. 31) for staff: record one taken by window, phone, letter or the 12345 hotline,
list those of your halls, answer them (the answer goes to the complainant)."""
from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.docs import Blueprint
from app.api.outputs import moment
from app.api.schemas import StrictSchema, one_of, text
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.evaluation import complaints
from app.evaluation.models import COMPLAINT_CHANNELS
from app.http.runtime import db_session, settings

blp = Blueprint("complaints", __name__, url_prefix="/api/v1/complaints", description="投诉举报")


class ComplaintIn(StrictSchema):
    channel = fields.String(required=True, validate=one_of(list(COMPLAINT_CHANNELS)))
    name = text(100, required=True)
    phone = text(32, load_default=None, allow_none=True)
    email = text(254, load_default=None, allow_none=True)
    content = text(4000, multiline=True, required=True)
    case_id = fields.Integer(load_default=None, allow_none=True)
    case_no = text(32, load_default=None, allow_none=True, metadata={"description": "办件编号（与 case_id 二选一）"})
    hall = text(32, load_default=None, allow_none=True)
    hotline_ticket = text(40, load_default=None, allow_none=True,
                          metadata={"description": "12345 热线工单号（12345 转来的必填，电话投诉选填）：字母、数字、“-”"})


class AnswerIn(StrictSchema):
    answer = text(2000, multiline=True, required=True)


class ComplaintOut(Schema):
    id = fields.Integer()
    channel = fields.String()
    name = fields.String()
    content = fields.String()
    case_id = fields.Integer(allow_none=True)
    hotline_ticket = fields.String(allow_none=True)
    state = fields.String()
    due_at = moment()
    answer = fields.String(allow_none=True)
    answered_at = moment(allow_none=True)


class ComplaintList(Schema):
    items = fields.List(fields.Nested(ComplaintOut))


def _out(row) -> dict:
    return {"id": row.id, "channel": row.channel, "name": row.name, "content": row.content, "case_id": row.case_id,
            "hotline_ticket": row.hotline_ticket, "state": row.state, "due_at": row.due_at.isoformat(), "answer": row.answer,
            "answered_at": row.answered_at.isoformat() if row.answered_at else None}


@blp.route("")
class Complaints(MethodView):
    @require_roles(*complaints.RECORDING_ROLES, R.ADMIN)
    @blp.arguments(ComplaintIn)
    @blp.returns(201, ComplaintOut)
    @blp.errors(403, 404)
    def post(self, args):
        """Record a complaint taken by a member of staff of the hall it concerns (front desk,
        supervisors, chief representatives): by window, phone, letter, or from the 12345 hotline
        with its ticket number; linked to a case they can see (by id or case number)."""
        row = complaints.record(db_session(), principal(), hall_code=args.pop("hall"), settings=settings(), **args)
        return _out(row), 201

    @require_roles(R.SUPERVISOR, R.ADMIN)
    @blp.returns(200, ComplaintList)
    @blp.errors(403)
    def get(self):
        """Complaints of the halls you supervise, open ones first."""
        return {"items": [_out(c) for c in complaints.visible(db_session(), principal())]}


@blp.route("/<int(max=2147483647):complaint_id>/answer")
class Answer(MethodView):
    @require_roles(R.SUPERVISOR, R.ADMIN)
    @blp.arguments(AnswerIn)
    @blp.returns(200, ComplaintOut)
    @blp.errors(403, 404, 409)
    def post(self, args, complaint_id):
        """Answer a complaint: recorded, and sent to the complainant."""
        return _out(complaints.answer(db_session(), principal(), complaint_id, args["answer"]))
