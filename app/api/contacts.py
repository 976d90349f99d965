"""Staff-contact records (art. 18): record a contact with a case's applicant, list a case's
contacts, and the supervisors' list and review of contacts at steps that allow none."""
from flask.views import MethodView
from marshmallow import Schema, fields

from app import clock
from app.api.docs import Blueprint
from app.api.outputs import moment
from app.api.schemas import StrictSchema, one_of, text
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.contacts import service as contacts
from app.http.runtime import db_session
from app.processes.contact_kinds import CONTACT_MODES

blp = Blueprint("contacts", __name__, url_prefix="/api/v1", description="接触记录")


class ContactIn(StrictSchema):
    mode = fields.String(required=True, validate=one_of(list(CONTACT_MODES)),
                         metadata={"description": "、".join(f"{k} {v}" for k, v in CONTACT_MODES.items())})
    summary = text(contacts.MAX_SUMMARY, multiline=True, required=True)
    # A time without a zone is the hall's local time; default now, never in the future, never
    # before the case was made, years 2000-2100 (checked by the service, as for the page).
    occurred_at = fields.AwareDateTime(
        load_default=None, allow_none=True, default_timezone=clock.LOCAL_TZ,
        error_messages={"invalid": "必须是 ISO 8601 日期时间", "invalid_awareness": "必须是 ISO 8601 日期时间",
                        "format": "必须是 ISO 8601 日期时间"},
        metadata={"description": "接触时间；缺省为现在，不得晚于现在、早于办件申请时间，年份 2000–2100"})
    task_id = text(36, load_default=None, allow_none=True,
                   metadata={"description": "接触发生的环节（任务 id）；缺省为办件当前的环节。"
                                            "所选环节只在其办理期间（创建至办结）允许接触"})


class FlaggedContactsQuery(StrictSchema):
    state = fields.String(load_default="open", validate=one_of(list(contacts.STATES)))


class ContactReviewIn(StrictSchema):
    note = text(contacts.MAX_NOTE, multiline=True, required=True)


class Review(Schema):
    note = fields.String(allow_none=True)
    by = fields.String(allow_none=True)
    at = moment()


class ContactOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_no = fields.String()
    task_id = fields.String(allow_none=True)
    step = fields.String(allow_none=True, metadata={"description": "接触发生的环节名称"})
    contact_kind = fields.String(allow_none=True)
    contact_kind_label = fields.String(allow_none=True)
    mode = fields.String()
    mode_label = fields.String()
    occurred_at = moment()
    summary = fields.String()
    flagged = fields.Boolean()
    flag_reason = fields.String(allow_none=True)
    state = fields.String()
    recorded_by = fields.String()
    recorded_by_name = fields.String()
    recorded_at = moment()
    review = fields.Nested(Review, allow_none=True)


class ContactList(Schema):
    items = fields.List(fields.Nested(ContactOut))


@blp.route("/cases/<int(max=2147483647):case_id>/contacts")
class CaseContacts(MethodView):
    @blp.arguments(ContactIn)
    @blp.returns(201, ContactOut)
    @blp.errors(403, 404, 409)
    def post(self, args, case_id):
        """Record a contact with the applicant; one at a step that allows none is flagged."""
        row = contacts.record(db_session(), principal(), case_id, **args)
        return contacts.describe(row), 201

    @blp.returns(200, ContactList)
    @blp.errors(403, 404)
    def get(self, case_id):
        """The case's contacts with its applicant, latest first."""
        return {"items": [contacts.describe(r) for r in contacts.of_case(db_session(), principal(), case_id)]}


@blp.route("/contacts/flagged")
class FlaggedContacts(MethodView):
    @require_roles(R.SUPERVISOR, R.ADMIN)
    @blp.arguments(FlaggedContactsQuery, location="query")
    @blp.returns(200, ContactList)
    @blp.errors(403)
    def get(self, args):
        """Flagged contacts of the halls you supervise (admins: all), awaiting review or reviewed."""
        return {"items": [contacts.describe(r) for r in contacts.flagged(db_session(), principal(), args["state"])]}


@blp.route("/contacts/<int(max=2147483647):contact_id>/review")
class ContactReview(MethodView):
    @require_roles(R.SUPERVISOR, R.ADMIN)
    @blp.arguments(ContactReviewIn)
    @blp.returns(200, ContactOut)
    @blp.errors(403, 404, 409)
    def post(self, args, contact_id):
        """Review a flagged contact (once), written into the case history."""
        return contacts.describe(contacts.review(db_session(), principal(), contact_id, args["note"]))
