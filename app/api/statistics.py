"""好差评 statistics (art. 32) for supervisors (their halls) and administrators (all halls)."""
from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.docs import Blueprint
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


class Figures(Schema):
    ratings = fields.Integer()
    satisfied = fields.Integer(metadata={"description": "基本满意及以上"})
    bad_reviews = fields.Integer()
    rectified_on_time = fields.Integer()
    open_rectifications = fields.Integer()
    cases_decided = fields.Integer()
    decided_on_time = fields.Integer()
    satisfaction_rate = fields.Float(allow_none=True)
    decided_on_time_rate = fields.Float(allow_none=True)


class NamedFigures(Figures):
    name = fields.String()


class Period(Schema):
    start = fields.String(data_key="from", allow_none=True, metadata={"format": "date"})
    end = fields.String(data_key="to", allow_none=True, metadata={"format": "date"})


class EvaluationStatisticsOut(Figures):
    levels = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "评价等级 → 次数"})
    period = fields.Nested(Period)
    by_department = fields.Dict(keys=fields.String(), values=fields.Nested(NamedFigures))
    by_hall = fields.Dict(keys=fields.String(), values=fields.Nested(NamedFigures))
    by_item = fields.Dict(keys=fields.String(), values=fields.Nested(NamedFigures))


@blp.route("/evaluation")
class EvaluationStatistics(MethodView):
    @require_roles(R.SUPERVISOR, R.ADMIN)
    @blp.arguments(PeriodQuery, location="query")
    @blp.returns(200, EvaluationStatisticsOut)
    @blp.errors(403)
    def get(self, args):
        """Satisfaction, bad reviews rectified on time and cases decided on time, in total and
        per department (implementing body), hall (code) and item (code)."""
        start, end = statistics.period(args["start"], args["end"])
        return statistics.statistics(db_session(), principal(), start, end)
