"""Applicants as staff see them: earlier cases and materials already provided (art. 17)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.security import principal
from app.applicants.profile import profile
from app.http.runtime import db_session

blp = Blueprint("applicants", __name__, url_prefix="/api/v1/applicants", description="申请人")


@blp.route("/<string:id_number>")
class ApplicantProfile(MethodView):
    def get(self, id_number):
        """An applicant by ID card number or USCC: details, earlier cases in the caller's halls,
        and the materials they already provided."""
        return profile(db_session(), principal(), id_number)
