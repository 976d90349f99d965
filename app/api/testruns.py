"""Test runs of drafts (试运行): a sandbox case of a draft, its lanes acted in turn, its clock moved
by working days. What the platform would do at each step (documents, messages to the applicant) is
shown with the step, never done."""
from datetime import datetime
from types import SimpleNamespace

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app import clock
from app.api.docs import Blueprint
from app.api.schemas import StrictSchema, text
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.documents.models import KINDS
from app.documents.service import kinds_for
from app.errors import NotFound
from app.http.runtime import db_session, settings
from app.processes import drafts, sandbox, testruns
from app.processes.vocabulary import CASE_STATUSES, MESSAGES

blp = Blueprint("testruns", __name__, url_prefix="/api/v1/drafts", description="流程草稿的试运行")

OUTCOMES = {"running": "进行中", "completed": "流程已结束", "stale": "草稿已修改，试运行需重新开始"}
MATERIALS = [m["value"] for m in sandbox.SAMPLE_MATERIALS]
MATERIAL_NAMES = {m["value"]: m["label"] for m in sandbox.SAMPLE_MATERIALS}


class RunTask(Schema):
    id = fields.String()
    element = fields.String(metadata={"description": "BPMN 元素 id"})
    name = fields.String()
    role = fields.String(allow_none=True)
    role_label = fields.String(allow_none=True, metadata={"description": "办理岗位（泳道）"})
    form_key = fields.String(allow_none=True)
    form = fields.Dict(allow_none=True, metadata={"description": "form-js 表单"})
    options = fields.Dict(metadata={"description": "表单选项变量 → 选项"})
    due = fields.String(allow_none=True, metadata={"description": "办理期限（按试运行时钟计算）"})


class RunTimer(Schema):
    element = fields.String()
    name = fields.String()
    due = fields.DateTime()
    due_text = fields.String()


class RunWait(Schema):
    name = fields.String()
    label = fields.String()


class RunStep(Schema):
    number = fields.Integer()
    action = fields.String()
    text = fields.String(metadata={"description": "这一步做了什么"})
    at = fields.DateTime()
    at_text = fields.String()
    element = fields.String(allow_none=True)
    status_text = fields.String(allow_none=True, metadata={"description": "办件状态的变化"})
    shown = fields.List(fields.String(), metadata={"description": "正式办件会出具的文书、发出的通知（试运行只展示）"})
    ended = fields.Boolean()


class TestRun(Schema):
    outcome = fields.String(metadata={"description": "running、completed 或 stale"})
    outcome_label = fields.String()
    now = fields.DateTime(metadata={"description": "试运行时钟"})
    now_text = fields.String()
    status = fields.String(allow_none=True)
    status_label = fields.String(allow_none=True)
    stale = fields.Boolean(metadata={"description": "试运行开始后草稿又保存过"})
    started_by = fields.String(allow_none=True)
    open_tasks = fields.List(fields.Nested(RunTask))
    timers = fields.List(fields.Nested(RunTimer))
    waiting_messages = fields.List(fields.Nested(RunWait))
    active_elements = fields.List(fields.String())
    completed_elements = fields.List(fields.String())
    data = fields.Dict(metadata={"description": "流程变量"})
    steps = fields.List(fields.Nested(RunStep))


class RunStart(StrictSchema):
    data = fields.Dict(load_default=dict, metadata={"description": "申请表（开始事件的表单）的数据"})
    materials = fields.List(fields.String(validate=validate.OneOf(MATERIALS)), load_default=lambda: list(MATERIALS))
    promised_limit_days = fields.Integer(load_default=10, validate=validate.Range(min=1, max=366))
    legal_limit_days = fields.Integer(load_default=20, validate=validate.Range(min=1, max=366))


class RunComplete(StrictSchema):
    data = fields.Dict(load_default=dict, metadata={"description": "任务表单的数据"})


class RunSupplement(StrictSchema):
    materials = fields.List(fields.String(validate=validate.OneOf(MATERIALS)), required=True)
    note = text(500, load_default="")


class RunClock(StrictSchema):
    workdays = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=366))
    next_timer = fields.Boolean(load_default=False, metadata={"description": "前进到下一个计时器到期"})


def _local(moment) -> str:
    local = moment.astimezone(clock.LOCAL_TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _when(value: str | None) -> str | None:
    if not value:
        return None
    return _local(datetime.fromisoformat(value))


def _step_text(step: dict, names: dict) -> str:
    action = step["action"]
    if action == "start":
        return "开始试运行：提交示例申请"
    if action == "complete":
        name = step.get("name") or names.get(step.get("element")) or step.get("element")
        role = R.ROLE_LABELS.get(step.get("role") or "", "")
        return f"{role}完成“{name}”" if role else f"完成“{name}”"
    if action == "message":
        supplied = (step.get("data") or {}).get("supplied_materials") or []
        return "申请人补交材料：" + "、".join(MATERIAL_NAMES.get(c, c) for c in supplied)
    moved = f"时钟前进 {step['workdays']} 个工作日" if step.get("workdays") else "时钟前进到下一个计时器到期"
    fired = step.get("fired") or []
    return moved + ("，计时器触发：" + "、".join(fired) if fired else "，没有计时器到期")


def _shown(step: dict) -> list[str]:
    """What a real case would get at this step: documents and a message at a status change."""
    kinds: list[str] = []
    if step.get("status"):
        old, new = step["status"]
        facts = step.get("facts") or {}
        case = SimpleNamespace(tolerated=bool(facts.get("tolerated")), decision=facts.get("decision"))
        kinds = kinds_for(case, old, new)
    kinds += [k for k in step.get("documents") or [] if k not in kinds]  # 出具文书 steps passed
    shown = [f"出具{KINDS[kind][0]}" for kind in kinds if kind in KINDS]
    if step.get("status"):
        shown.append(f"短信告知申请人：{CASE_STATUSES.get(step['status'][1], step['status'][1])}")
    return shown


def present(run, view, draft) -> dict:
    names = view.names
    steps = []
    for number, step in enumerate(run.steps or [], start=1):
        change = step.get("status")
        steps.append({"number": number, "action": step["action"], "text": _step_text(step, names), "at": step["at"],
                      "at_text": _when(step["at"]), "element": step.get("element"),
                      "status_text": f"办件状态：{CASE_STATUSES.get(change[1], change[1])}" if change else None,
                      "shown": _shown(step), "ended": bool(step.get("ended"))})
    outcome = view.outcome
    return {
        "outcome": outcome, "outcome_label": OUTCOMES.get(outcome, outcome),
        "now": view.now.isoformat(), "now_text": _local(view.now),
        "status": view.status, "status_label": CASE_STATUSES.get(view.status or "", None),
        "stale": run.draft_revision != draft.revision,
        "started_by": run.started_by.display_name if run.started_by else None,
        "open_tasks": [{**t, "role_label": R.ROLE_LABELS.get(t["role"] or "")} for t in view.open_tasks],
        "timers": [{**t, "due_text": _when(t["due"])} for t in view.timers],
        "waiting_messages": [{"name": m, "label": MESSAGES.get(m, m)} for m in view.waiting_messages],
        "active_elements": view.active_elements, "completed_elements": view.completed_elements,
        "data": _plain(view.data), "steps": steps,
    }


def _plain(data: dict) -> dict:
    return {k: v for k, v in (data or {}).items() if isinstance(k, str) and not k.startswith("_")}


def _answer(draft_id: int):
    session, me = db_session(), principal()
    run, view = testruns.current(session, me, draft_id, settings())
    if run is None:
        raise NotFound("草稿还没有试运行")
    return present(run, view, drafts.get(session, me, draft_id))


@blp.route("/<int(max=2147483647):draft_id>/test-run")
class DraftTestRun(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.returns(200, TestRun)
    @blp.errors(403, 404)
    def get(self, draft_id):
        """The draft's test run: the sandbox's clock, open tasks with their forms, timers, the token, the path."""
        return _answer(draft_id)

    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(RunStart)
    @blp.returns(201, TestRun)
    @blp.errors(403, 404, 422)
    def post(self, args, draft_id):
        """Start a test run of the draft as saved (replaces the last run); 422 with problems while it has findings."""
        testruns.start(db_session(), principal(), draft_id, settings(), data=args["data"], materials=args["materials"],
                       promised_limit_days=args["promised_limit_days"], legal_limit_days=args["legal_limit_days"])
        return _answer(draft_id), 201

    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.response(204)
    @blp.errors(403, 404)
    def delete(self, draft_id):
        """Discard the test run and its recorded path (the deploy check then replays nothing)."""
        testruns.discard(db_session(), principal(), draft_id)


@blp.route("/<int(max=2147483647):draft_id>/test-run/tasks/<string:task_id>/complete")
class DraftTestRunTask(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(RunComplete)
    @blp.returns(200, TestRun)
    @blp.errors(403, 404, 409, 422)
    def post(self, args, draft_id, task_id):
        """Complete an open task of the run as its lane would (the form is checked as for a real task)."""
        testruns.complete(db_session(), principal(), draft_id, settings(), task_id, args["data"])
        return _answer(draft_id)


@blp.route("/<int(max=2147483647):draft_id>/test-run/supplement")
class DraftTestRunSupplement(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(RunSupplement)
    @blp.returns(200, TestRun)
    @blp.errors(403, 404, 409, 422)
    def post(self, args, draft_id):
        """The applicant supplements materials (the message the platform sends to a waiting case)."""
        testruns.supplement(db_session(), principal(), draft_id, settings(), args["materials"], args["note"])
        return _answer(draft_id)


@blp.route("/<int(max=2147483647):draft_id>/test-run/clock")
class DraftTestRunClock(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(RunClock)
    @blp.returns(200, TestRun)
    @blp.errors(403, 404, 409, 422)
    def post(self, args, draft_id):
        """Move the run's clock by working days (or to the next timer) and fire what falls due."""
        testruns.advance(db_session(), principal(), draft_id, settings(), args["workdays"], args["next_timer"])
        return _answer(draft_id)
