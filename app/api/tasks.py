"""Tasks: the inbox query, one task with its form, claim, unclaim, complete."""
from flask.views import MethodView
from marshmallow import fields

from app.api.docs import Blueprint
from app.api.headers import expected_revision
from app.api.outputs import CaseOut, TaskDetail, TaskOut, TaskPage
from app.api.schemas import CursorArgs, StrictSchema, one_of, page_of, text
from app.api.security import principal
from app.auth.roles import LANE_ROLES
from app.calendar import service as calendar
from app.cases import service as cases
from app.http.present import present_case, present_task
from app.http.runtime import db_session, runtime
from app.inbox import operations
from app.inbox import service as inbox

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="待办任务")


class TaskQuery(CursorArgs):
    role = fields.String(validate=one_of(sorted(LANE_ROLES)))
    hall = fields.String()
    state = fields.String(load_default="open", validate=one_of(["open", "completed", "cancelled"]))
    assignee = fields.String(metadata={"description": "me（我认领的）、none（未认领）或用户名"})
    item_code = fields.String()
    case_no = fields.String()
    overdue = fields.Boolean()


class CompleteIn(StrictSchema):
    data = fields.Dict(required=True, metadata={"description": "表单数据，字段见任务的 form"})


def _present_detail(task) -> dict:
    out = present_task(task, calendar.current(db_session()))
    definition = task.case.definition
    out["documentation"] = (definition.user_tasks.get(task.spec_id) or {}).get("documentation")
    out["case_revision"] = task.case.revision
    out["form"], out["form_data"] = cases.task_form(task)
    return out


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskPage)
    @blp.errors(403)
    def get(self, args):
        """Tasks you may work (by role and hall), soonest due first; page on with `cursor`."""
        page, per_page = args.pop("page"), args.pop("per_page")
        found = inbox.search_tasks(db_session(), principal(), page=page, per_page=per_page, **args)
        data = calendar.current(db_session())
        return page_of([present_task(t, data) for t in found.rows], found.total, page, per_page,
                       total_capped=found.total_capped, next_cursor=found.next_cursor)


@blp.route("/<string:task_id>")
class TaskItem(MethodView):
    @blp.response(200, TaskDetail)
    @blp.errors(403, 404)
    def get(self, task_id):
        """One task with its form (form-js JSON) and the data the form needs."""
        return _present_detail(inbox.visible_task(db_session(), principal(), task_id))


@blp.route("/<string:task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskOut)
    @blp.errors(403, 404, 409)
    def post(self, task_id):
        """Take the task: others see it as yours until you complete or release it."""
        return present_task(inbox.claim(db_session(), principal(), task_id))


@blp.route("/<string:task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, TaskOut)
    @blp.errors(403, 404, 409)
    def post(self, task_id):
        """Release the task back to everyone of its role."""
        return present_task(inbox.unclaim(db_session(), principal(), task_id))


@blp.route("/<string:task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteIn)
    @blp.response(200, CaseOut)
    @blp.errors(403, 404, 409)
    def post(self, payload, task_id):
        """Submit the task's form; the case moves on. Returns the case."""
        case = cases.complete_task(db_session(), principal(), task_id, payload["data"], runtime(), expected_revision())
        return present_case(case, db_session(), detail=True, history_too=False)


class TransferIn(StrictSchema):
    to = text(64, required=True, metadata={"description": "接手人的用户名（本大厅同岗位）"})
    note = text(500, multiline=True, load_default=None, allow_none=True)


class UrgeIn(StrictSchema):
    note = text(500, multiline=True, load_default=None, allow_none=True)


@blp.route("/<string:task_id>/transfer")
class Transfer(MethodView):
    @blp.arguments(TransferIn)
    @blp.response(200, TaskOut)
    @blp.errors(403, 404, 409)
    def post(self, payload, task_id):
        """转办: hand the task to a colleague of the same role in the hall (its assignee or a supervisor)."""
        return present_task(operations.transfer(db_session(), principal(), task_id, payload["to"], payload.get("note")))


@blp.route("/<string:task_id>/urge")
class Urge(MethodView):
    @blp.arguments(UrgeIn)
    @blp.response(200, TaskOut)
    @blp.errors(403, 404, 409)
    def post(self, payload, task_id):
        """催办: a supervisor of the hall urges an open task; the inbox marks it."""
        return present_task(operations.urge(db_session(), principal(), task_id, payload.get("note")))
