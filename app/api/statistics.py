"""好差评 statistics (art. 32) for supervisors (their halls) and administrators (all halls)."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from app.api.schemas import StrictSchema
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.evaluation import statistics
from app.http.runtime import db_session

blp = Blueprint("statistics", __name__, url_prefix="/api/v1/statistics", description="好差评统计")


class PeriodQuery(StrictSchema):
    # Checked by statistics.period, so the page and the API name a bad date the same way.
    start = fields.String(data_key="from", load_default=None, metadata={"description": "开始日期 YYYY-MM-DD（含）"})
    end = fields.String(data_key="to", load_default=None, metadata={"description": "结束日期 YYYY-MM-DD（含）"})


@blp.route("/evaluation")
class EvaluationStatistics(MethodView):
    @require_roles(R.SUPERVISOR, R.ADMIN)
    @blp.arguments(PeriodQuery, location="query")
    def get(self, args):
        """Satisfaction, bad reviews rectified on time and cases decided on time, in total and
        per department (implementing body), hall (code) and item (code)."""
        start, end = statistics.period(args["start"], args["end"])
        return statistics.statistics(db_session(), principal(), start, end)
