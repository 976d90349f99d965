"""Task queries and inbox operations (claim, unclaim) over the materialized task table."""
from datetime import datetime

from sqlalchemy import and_, false, func, or_, select, update
from sqlalchemy.orm import Session

from app import clock, paging
from app.auth import roles as R
from app.auth.models import Hall, User
from app.auth.principal import Principal
from app.cases import cycle
from app.cases.models import Case
from app.cases.service import require_worker
from app.cases.tasks import OPEN, Task
from app.catalog.models import ServiceItem
from app.database import rowcount, unit_of_work
from app.errors import Conflict, NotFound, PermissionDenied


def _visibility(principal: Principal):
    """Rows this user may see: tasks of lanes they work, in their halls; supervisors see
    every task of their halls; administrators see all."""
    if principal.is_admin:
        return None
    clauses = []
    for lane in R.LANE_ROLES:
        halls = principal.halls_for(*R.roles_acting_in(lane))
        if halls:
            clauses.append(and_(Task.role == lane, Task.hall_id.in_(halls)))
    supervised = principal.halls_for(R.SUPERVISOR)
    if supervised:
        clauses.append(Task.hall_id.in_(supervised))
    return or_(*clauses) if clauses else false()


def search_tasks(session: Session, principal: Principal, *, role=None, hall=None, state=OPEN,
                 assignee=None, item_code=None, case_no=None, overdue=None, page=1, per_page=50,
                 cursor: str | None = None) -> paging.Page:
    """Tasks the user may see, soonest due first (finished ones: newest first). With `cursor`
    (the previous page's next_cursor) the page starts after that row and costs what the first
    does; `page` (offset paging) stays for the first few pages of old links."""
    if not principal.is_staff():
        raise PermissionDenied("您没有办理任务的角色")
    stmt = select(Task)
    visible = _visibility(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    stmt = stmt.where(Task.state == state)
    if role:
        stmt = stmt.where(Task.role == role)
    if hall:
        stmt = stmt.join(Hall, Task.hall_id == Hall.id).where(Hall.code == hall)
    if assignee == "me":
        stmt = stmt.where(Task.assignee_id == principal.user_id)
    elif assignee == "none":
        stmt = stmt.where(Task.assignee_id.is_(None))
    elif assignee:
        stmt = stmt.join(User, Task.assignee_id == User.id).where(User.username == assignee)
    if item_code or case_no:
        stmt = stmt.join(Case, Task.case_id == Case.id)
        if item_code:
            stmt = stmt.join(ServiceItem, Case.item_id == ServiceItem.id).where(ServiceItem.code == item_code)
        if case_no:
            stmt = stmt.where(Case.case_no == case_no)
    if overdue is not None:
        now = clock.now()
        stmt = stmt.where(Task.due_at < now) if overdue else stmt.where(or_(Task.due_at.is_(None), Task.due_at >= now))
    if state == OPEN:
        # equal due times and moments (tasks made together) in the order their cases came in
        keys, kinds, descending = ([Task.sort_due, Task.created_at, Task.case_id, Task.id],
                                   [datetime, datetime, int, str], False)
    else:
        keys, kinds, descending = [Task.completed_at, Task.case_id, Task.id], [datetime, int, str], True
    if cursor or page == 1:
        return paging.keyset_page(session, stmt, keys, descending=descending, cursor=cursor, per_page=per_page,
                                  kinds=kinds)
    total, capped = paging.capped_count(session, stmt)
    order = [k.desc() for k in keys] if descending else keys
    rows = list(session.scalars(stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)))
    return paging.Page(rows, total, capped, None)


def visible_task(session: Session, principal: Principal, task_id: str) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在")
    visible = _visibility(principal)
    if visible is not None and not session.scalar(select(func.count()).select_from(Task)
                                                  .where(Task.id == task_id, visible)):
        raise NotFound(f"任务 {task_id} 不存在")
    return task


def _task(session: Session, task_id: str) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在")
    return task


def claim(session: Session, principal: Principal, task_id: str) -> Task:
    with unit_of_work(session):
        task = _task(session, task_id)
        require_worker(principal, task)
        step_case = cycle.lock_case(session, task.case_id)
        changed = rowcount(session.execute(
            update(Task).where(Task.id == task_id, Task.state == OPEN,
                               or_(Task.assignee_id.is_(None), Task.assignee_id == principal.user_id))
            .values(assignee_id=principal.user_id)
            .execution_options(synchronize_session=False)))
        session.refresh(task)
        if not changed:
            if task.state != OPEN:
                raise Conflict(f"任务“{task.title}”已办结")
            raise Conflict(f"任务“{task.title}”已由 {task.assignee.display_name} 认领")
        cycle.EventLog(session, step_case).append(
            "task_claimed", principal.username, f"{principal.display_name} 认领“{task.title}”",
            {"task_id": task.id})
    return task


def unclaim(session: Session, principal: Principal, task_id: str) -> Task:
    with unit_of_work(session):
        task = _task(session, task_id)
        supervising = principal.may(task.hall_id, R.SUPERVISOR)
        if not supervising:
            require_worker(principal, task)
        step_case = cycle.lock_case(session, task.case_id)
        session.refresh(task)
        if task.state != OPEN:
            raise Conflict(f"任务“{task.title}”已办结")
        if task.assignee_id is None:
            raise Conflict(f"任务“{task.title}”尚未被认领")
        if task.assignee_id != principal.user_id and not supervising:
            raise Conflict(f"任务“{task.title}”由 {task.assignee.display_name} 认领，只有本人或督办人员可以释放")
        task.assignee_id = None
        cycle.EventLog(session, step_case).append(
            "task_unclaimed", principal.username, f"{principal.display_name} 释放“{task.title}”",
            {"task_id": task.id})
    return task

