"""The holiday calendar: read a year, correct a day, enter an official notice, add working days."""
from datetime import date

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app.api.docs import Blueprint
from app.api.schemas import StrictSchema, text
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.calendar import service as calendar
from app.cases import recompute
from app.errors import ValidationFailed
from app.http.runtime import db_session, runtime, settings

blp = Blueprint("calendar", __name__, url_prefix="/api/v1/calendar", description="工作日历（法定节假日与调休）")


class YearArgs(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100, error="年份须在 2000–2100 之间"))


class DayIn(StrictSchema):
    is_workday = fields.Boolean(required=True)
    name = text(100, load_default="")


class NoticeDay(StrictSchema):
    date = fields.Date(required=True, validate=validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31),
                                                              error="须在 2000–2100 年之间"))
    is_workday = fields.Boolean(required=True)
    name = text(100, load_default="")


class NoticeIn(StrictSchema):
    days = fields.List(fields.Nested(NoticeDay), required=True, validate=validate.Length(min=1, error="至少一天"))


class AddArgs(StrictSchema):
    start = fields.Date(required=True, validate=validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31),
                                                                error="须在 2000–2099 年之间"))
    days = fields.Integer(required=True, validate=validate.Range(min=0, max=1000, error="须在 0–1000 之间"))


class DayOut(Schema):
    date = fields.Date()
    is_workday = fields.Boolean()
    weekday = fields.Integer()
    name = fields.String(allow_none=True)
    source = fields.String(allow_none=True, metadata={"description": "chinesecalendar / notice / admin；空为按周末规则"})


class YearOut(Schema):
    year = fields.Integer()
    official = fields.Boolean(metadata={"description": "是否已录入该年度国务院节假日安排"})
    days = fields.List(fields.Nested(DayOut))


class AddOut(Schema):
    date = fields.Date()
    deadline = fields.DateTime()
    provisional = fields.Boolean(metadata={"description": "计算涉及尚无正式节假日安排的年份"})


class Recomputed(Schema):
    cases = fields.Integer(metadata={"description": "期限重新计算的办件数"})
    timers = fields.Integer()
    tasks = fields.Integer()
    failed = fields.List(fields.Integer(), metadata={"description": "未能重新计算的办件 id"})


class NoticeOut(Schema):
    years = fields.List(fields.Integer())
    recomputed = fields.Nested(Recomputed)


@blp.route("/days")
class Days(MethodView):
    @blp.arguments(YearArgs, location="query")
    @blp.response(200, YearOut)
    def get(self, args):
        """Every day of a year: working or not, and where the information came from."""
        return calendar.year_view(db_session(), args["year"])


@blp.route("/days/<string:day>")
class Day(MethodView):
    @require_roles(R.ADMIN)
    @blp.arguments(DayIn)
    @blp.response(200, DayOut)
    @blp.errors(403, 409)
    def put(self, payload, day):
        """Correct one day (a statutory holiday, or an adjusted workday); affected deadlines move."""
        when = _parse_day(day)
        recompute.correct_day(db_session(), when, payload["is_workday"], payload["name"], principal().username,
                              runtime())
        view = calendar.year_view(db_session(), when.year)
        return next(d for d in view["days"] if d["date"] == when)


@blp.route("/notices")
class Notices(MethodView):
    @require_roles(R.ADMIN)
    @blp.arguments(NoticeIn)
    @blp.response(200, NoticeOut)
    @blp.errors(403, 409)
    def post(self, payload):
        """Enter an official holiday notice: each year it covers becomes official (replacing its
        days), and every pending deadline reaching those years is recomputed."""
        rows = [calendar.DayRow(d["date"], d["is_workday"], d["name"]) for d in payload["days"]]
        years, counts = recompute.enter_notice(db_session(), rows, principal().username, runtime())
        return {"years": years, "recomputed": counts.to_dict()}


@blp.route("/add")
class Add(MethodView):
    @blp.arguments(AddArgs, location="query")
    @blp.response(200, AddOut)
    def get(self, args):
        """The deadline `days` working days after `start` (the start day is not counted)."""
        return calendar.add(db_session(), args["start"], args["days"], settings().end_of_day)


def _parse_day(text_value: str) -> date:
    try:
        day = date.fromisoformat(text_value)
    except ValueError:
        raise ValidationFailed(f"日期 {text_value!r} 格式应为 YYYY-MM-DD", {"date": ["格式应为 YYYY-MM-DD"]}) from None
    if not 2000 <= day.year <= 2100:
        raise ValidationFailed("日期须在 2000–2100 年之间", {"date": ["须在 2000–2100 年之间"]})
    return day
