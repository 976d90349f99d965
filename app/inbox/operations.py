"""What clerks and supervisors do to tasks besides working them: transfer to a colleague
(转办), urge (催办) and comment on the case. Each is one unit of work under the case lock and
leaves an event in the case history."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth import roles as R
from app.auth.models import User, UserRole
from app.auth.principal import Principal
from app.cases import cycle
from app.cases.models import Case
from app.cases.service import visible_case
from app.cases.tasks import OPEN, Task
from app.database import unit_of_work
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.inbox import service as inbox

NOTE_MAX = 500


def _note(text: str | None, field: str, required: bool = False) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed("请填写内容", {field: ["必填项"]})
    if len(text) > NOTE_MAX:
        raise ValidationFailed("内容过长", {field: [f"不超过 {NOTE_MAX} 个字符"]})
    return text


def supervises(principal: Principal, hall_id: int) -> bool:
    return principal.may(hall_id, R.SUPERVISOR)


def colleagues(session: Session, task: Task) -> list[User]:
    """Who may take this task over: active users holding its lane's role in its hall."""
    roles = R.roles_acting_in(task.role)
    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role.in_(roles), UserRole.hall_id == task.hall_id, User.active.is_(True))
        .distinct().order_by(User.username)))


def _open_task(session: Session, principal: Principal, task_id: str) -> tuple[Task, Case]:
    task = inbox.visible_task(session, principal, task_id)  # another hall's task: 404
    case = cycle.lock_case(session, task.case_id)
    session.refresh(task)
    if task.state != OPEN:
        raise Conflict(f"任务“{task.title}”已办结")
    return task, case


def transfer(session: Session, principal: Principal, task_id: str, username: str, note: str | None) -> Task:
    note = _note(note, "note")
    with unit_of_work(session):
        task, case = _open_task(session, principal, task_id)
        mine = task.assignee_id == principal.user_id and principal.can_work(task.role, task.hall_id)
        if not (mine or supervises(principal, task.hall_id)):
            raise PermissionDenied("只有任务的认领人或本大厅督办人员可以转办（请先认领）")
        target = next((u for u in colleagues(session, task) if u.username == username), None)
        if target is None:
            raise ValidationFailed("转办对象须是本大厅同岗位的在岗人员",
                                   {"to": [f"{username} 不能办理“{task.title}”"]})
        if target.id == task.assignee_id:
            raise Conflict(f"任务已由 {target.display_name} 认领")
        task.assignee_id = target.id
        cycle.EventLog(session, case).append(
            "task_transferred", principal.username,
            f"{principal.display_name} 将“{task.title}”转办给 {target.display_name}" + (f"：{note}" if note else ""),
            {"task_id": task.id, "to": target.username, "note": note})
    return task


def urge(session: Session, principal: Principal, task_id: str, note: str | None) -> Task:
    note = _note(note, "note")
    with unit_of_work(session):
        task, case = _open_task(session, principal, task_id)
        if not supervises(principal, task.hall_id):
            raise PermissionDenied("只有本大厅督办人员可以催办")
        task.urged_at, task.urge_note = clock.now(), note or None
        cycle.EventLog(session, case).append(
            "task_urged", principal.username,
            f"{principal.display_name} 催办“{task.title}”" + (f"：{note}" if note else ""),
            {"task_id": task.id, "note": note})
    return task


def comment(session: Session, principal: Principal, case_id: int, text: str | None) -> Case:
    text = _note(text, "text", required=True)
    with unit_of_work(session):
        visible_case(session, principal, case_id)  # whoever sees the dossier may comment on it
        case = cycle.lock_case(session, case_id)
        cycle.EventLog(session, case).append("comment", principal.username, f"{principal.display_name} 备注：{text}",
                                             {"text": text})
    return case
