"""咨询 (art. 11) for staff: record a question taken at a window, by phone or letter (you are
its first responder), take one asked online, answer, publish to the guide's FAQ, statistics."""
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app import clock
from app.api.docs import Blueprint
from app.api.outputs import moment
from app.api.schemas import StrictSchema, one_of, text
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.consultations import service as consultations
from app.consultations.models import CHANNELS
from app.http.runtime import db_session, settings

blp = Blueprint("consultations", __name__, url_prefix="/api/v1/consultations", description="咨询（首问负责）")
STAFF = (*R.HALL_ROLES, R.ADMIN)


class ConsultationIn(StrictSchema):
    channel = fields.String(required=True, validate=one_of(list(CHANNELS)))
    question = text(2000, multiline=True, required=True)
    item_code = text(64, load_default=None, allow_none=True)
    hall = fields.String(required=True, validate=validate.Length(min=1, max=32, error="1–32 个字符"))
    name = text(100, load_default=None, allow_none=True)
    phone = text(32, load_default=None, allow_none=True)
    email = text(254, load_default=None, allow_none=True)
    answer = text(4000, multiline=True, load_default=None, allow_none=True)
    public = fields.Boolean(load_default=False)


class ListArgs(StrictSchema):
    scope = fields.String(load_default="mine", validate=one_of(["mine", "pool", "all"]))
    state = fields.String(load_default=None, validate=one_of(["open", "answered"]))


class ConsultationAnswerIn(StrictSchema):
    answer = text(4000, multiline=True, required=True)
    public = fields.Boolean(load_default=False)
    item_code = text(64, load_default=None, allow_none=True)


class PublicIn(StrictSchema):
    public = fields.Boolean(required=True)


class ReassignIn(StrictSchema):
    username = text(64, required=True)


class ConsultationOut(Schema):
    id = fields.Integer()
    channel = fields.String()
    channel_label = fields.String(allow_none=True)
    question = fields.String()
    item_code = fields.String(allow_none=True)
    item_name = fields.String(allow_none=True)
    hall = fields.String()
    asker_name = fields.String(allow_none=True)
    asker_phone = fields.String(allow_none=True)
    asker_email = fields.String(allow_none=True)
    first_responder = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "open / answered"})
    due_at = moment()
    overdue = fields.Boolean()
    answer = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    answered_at = moment(allow_none=True)
    public = fields.Boolean()
    created_at = moment()


class ConsultationList(Schema):
    items = fields.List(fields.Nested(ConsultationOut))


class DepartmentFigures(Schema):
    asked = fields.Integer()
    answered = fields.Integer()
    answered_in_time = fields.Integer()
    open = fields.Integer()
    overdue = fields.Integer()
    in_time_rate = fields.Float(allow_none=True)


class ConsultationStatistics(Schema):
    by_department = fields.Dict(keys=fields.String(), values=fields.Nested(DepartmentFigures),
                                metadata={"description": "实施机构（无事项的为“综合咨询”）→ 统计"})
    asked = fields.Integer()
    answered_in_time = fields.Integer()


def present(row, now=None) -> dict:
    now = now or clock.now()
    return {"id": row.id, "channel": row.channel, "channel_label": CHANNELS.get(row.channel),
            "question": row.question, "item_code": row.item.code if row.item else None,
            "item_name": row.item.name if row.item else None, "hall": row.hall.code,
            "asker_name": row.asker_name, "asker_phone": row.asker_phone, "asker_email": row.asker_email,
            "first_responder": row.first_responder, "state": row.state, "due_at": row.due_at.isoformat(),
            "overdue": consultations.overdue(row, now), "answer": row.answer, "answered_by": row.answered_by,
            "answered_at": row.answered_at.isoformat() if row.answered_at else None, "public": row.public,
            "created_at": row.created_at.isoformat()}


@blp.route("")
class Consultations(MethodView):
    @require_roles(*STAFF)
    @blp.arguments(ConsultationIn)
    @blp.returns(201, ConsultationOut)
    @blp.errors(403, 404)
    def post(self, args):
        """Record a consultation you took (window, phone, letter, or forwarded online); with
        `answer` it is recorded answered on the spot."""
        row = consultations.record(db_session(), principal(), channel=args["channel"], question=args["question"],
                                   item_code=args["item_code"], hall_code=args["hall"], name=args["name"],
                                   phone=args["phone"], email=args["email"], answer=args["answer"],
                                   public=args["public"], settings=settings())
        return present(row), 201

    @require_roles(*STAFF)
    @blp.arguments(ListArgs, location="query")
    @blp.returns(200, ConsultationList)
    @blp.errors(403)
    def get(self, args):
        """scope=mine (default): yours; pool: online questions nobody has taken; all: your halls'.
        Unanswered first; `overdue` marks those past one working day."""
        now = clock.now()
        rows = consultations.listing(db_session(), principal(), scope=args["scope"], state=args["state"])
        return {"items": [present(r, now) for r in rows]}


@blp.route("/statistics")
class Statistics(MethodView):
    @require_roles(R.SUPERVISOR, R.ADMIN)
    @blp.returns(200, ConsultationStatistics)
    @blp.errors(403)
    def get(self):
        """Per department: asked, answered, answered within one working day, open, overdue."""
        return consultations.statistics(db_session(), principal())


@blp.route("/<int(max=2147483647):consultation_id>")
class Consultation(MethodView):
    @require_roles(*STAFF)
    @blp.returns(200, ConsultationOut)
    @blp.errors(403, 404)
    def get(self, consultation_id):
        return present(consultations.get(db_session(), principal(), consultation_id))


@blp.route("/<int(max=2147483647):consultation_id>/take")
class Take(MethodView):
    @require_roles(*STAFF)
    @blp.returns(200, ConsultationOut)
    @blp.errors(403, 404, 409)
    def post(self, consultation_id):
        """Become the first responder of an online question (the first clerk wins; 409 after)."""
        return present(consultations.take(db_session(), principal(), consultation_id))


@blp.route("/<int(max=2147483647):consultation_id>/answer")
class Answer(MethodView):
    @require_roles(*STAFF)
    @blp.arguments(ConsultationAnswerIn)
    @blp.returns(200, ConsultationOut)
    @blp.errors(403, 404, 409)
    def post(self, args, consultation_id):
        """Answer (the first responder): sent to the asker; `public` puts it on the guide's FAQ."""
        return present(consultations.answer(db_session(), principal(), consultation_id, args["answer"],
                                            args["public"], args["item_code"]))


@blp.route("/<int(max=2147483647):consultation_id>/public")
class Public(MethodView):
    @require_roles(*STAFF)
    @blp.arguments(PublicIn)
    @blp.returns(200, ConsultationOut)
    @blp.errors(403, 404, 409)
    def put(self, args, consultation_id):
        """Show an answered question on the guide page's FAQ, or take it down."""
        return present(consultations.set_public(db_session(), principal(), consultation_id, args["public"]))


@blp.route("/<int(max=2147483647):consultation_id>/reassign")
class Reassign(MethodView):
    @require_roles(R.SUPERVISOR, R.ADMIN)
    @blp.arguments(ReassignIn)
    @blp.returns(200, ConsultationOut)
    @blp.errors(403, 404, 409)
    def post(self, args, consultation_id):
        """Hand an unanswered question to another clerk of the hall (supervisors)."""
        return present(consultations.reassign(db_session(), principal(), consultation_id, args["username"]))
