"""Incidents (timers that failed every attempt): list, retry, resolve. Administrators only."""
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app.api.docs import Blueprint
from app.api.schemas import StrictSchema, Text
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.cases import incidents
from app.http.runtime import db_session

blp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents", description="期限处理故障")


class IncidentQuery(StrictSchema):
    include_resolved = fields.Boolean(load_default=False)


class ResolveIn(StrictSchema):
    resolution = Text(multiline=True, required=True, validate=validate.Length(min=1, max=2000, error="须为 1–2000 个字符"))


class IncidentOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_no = fields.String()
    element_id = fields.String()
    state = fields.String()
    due_at = fields.DateTime()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    failed_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True)


def present(job) -> dict:
    return {"id": job.id, "case_id": job.case_id, "case_no": incidents.case_no_of(db_session(), job),
            "element_id": job.element_id, "state": job.state, "due_at": job.due_at,
            "attempts": job.attempts, "last_error": job.last_error, "failed_at": job.finished_at,
            "resolution": job.resolution}


@blp.route("")
class Incidents(MethodView):
    @require_roles(R.ADMIN)
    @blp.arguments(IncidentQuery, location="query")
    @blp.response(200, IncidentOut(many=True))
    @blp.errors(403)
    def get(self, args):
        """Timer jobs that failed every attempt (newest first)."""
        return [present(j) for j in incidents.list_incidents(db_session(), args["include_resolved"])]


@blp.route("/<int(max=2147483647):job_id>/retry")
class Retry(MethodView):
    @require_roles(R.ADMIN)
    @blp.response(200, IncidentOut)
    @blp.errors(403, 404, 409)
    def post(self, job_id):
        """Queue the timer again, due now."""
        return present(incidents.retry(db_session(), job_id, principal().username))


@blp.route("/<int(max=2147483647):job_id>/resolve")
class Resolve(MethodView):
    @require_roles(R.ADMIN)
    @blp.arguments(ResolveIn)
    @blp.response(200, IncidentOut)
    @blp.errors(403, 404, 409)
    def post(self, payload, job_id):
        """Close the incident by hand, saying what was done."""
        return present(incidents.resolve(db_session(), job_id, payload["resolution"], principal().username))
