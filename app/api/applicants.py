"""Applicants as staff see them: earlier cases and materials already provided (art. 17)."""
from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.docs import Blueprint
from app.api.outputs import CaseApplicant, moment
from app.api.security import principal
from app.applicants.profile import profile
from app.http.runtime import db_session

blp = Blueprint("applicants", __name__, url_prefix="/api/v1/applicants", description="申请人")


class EarlierCase(Schema):
    id = fields.Integer()
    case_no = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    guide_version = fields.Integer()
    hall = fields.String()
    status = fields.String()
    status_label = fields.String()
    created_at = moment()


class ProvidedMaterial(Schema):
    code = fields.String()
    name = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    case_no = fields.String()
    provided_at = moment()


class ApplicantProfileOut(Schema):
    applicant = fields.Nested(CaseApplicant)
    cases = fields.List(fields.Nested(EarlierCase))
    materials_provided = fields.List(fields.Nested(ProvidedMaterial))


@blp.route("/<string:id_number>")
class ApplicantProfile(MethodView):
    @blp.returns(200, ApplicantProfileOut)
    @blp.errors(403, 404)
    def get(self, id_number):
        """An applicant by ID card number or USCC: details, earlier cases in the caller's halls,
        and the materials they already provided."""
        return profile(db_session(), principal(), id_number)
