"""Turning cases, tasks and events into the dictionaries the API returns and the pages show."""
from sqlalchemy.orm import Session

from app import clock
from app.auth.roles import ROLE_LABELS
from app.calendar import service as calendar
from app.calendar.days import HolidayData
from app.cases import history, running
from app.cases.models import STATUS_LABELS, Case
from app.cases.receiving import PROXY_RELATIONS
from app.cases.service import current_open_tasks
from app.cases.tasks import Task
from app.cases.warnings import assess, current_deadline
from app.http.runtime import settings
from app.processes.contact_kinds import contact_label
from app.processes.models import ProcessDefinition


def present_task(task: Task, data: HolidayData | None = None) -> dict:
    """A task; with the calendar, its working days left and warning colour."""
    case = task.case
    counting = task.state == "open" and not case.special_procedure  # paused: no warning
    timing = assess(task.due_at, None, data, settings().warnings) if counting and data is not None else None
    return {
        "id": task.id, "case_id": task.case_id, "case_no": case.case_no, "name": task.spec_id,
        "title": task.title, "role": task.role, "role_label": ROLE_LABELS.get(task.role, task.role),
        "hall": task.hall.code, "assignee": task.assignee.username if task.assignee else None,
        "assignee_name": task.assignee.display_name if task.assignee else None,
        "state": task.state, "form_key": task.form_key, "created_at": task.created_at,
        "due_at": task.due_at, "overdue": bool(task.due_at and task.state == "open" and task.due_at < clock.now()),
        "completed_at": task.completed_at,
        "completed_by": task.completed_by.username if task.completed_by else None,
        "completed_by_name": task.completed_by.display_name if task.completed_by else None,
        "item": {"code": case.item.code, "name": case.item.name},
        "case_status": case.status,
        "due_provisional": task.due_provisional,
        "working_days_left": timing["working_days_left"] if timing else None,
        "warning": timing["warning"] if timing else None,
        "urged_at": task.urged_at, "urge_note": task.urge_note,
        "applicant_contact": task.applicant_contact, "applicant_contact_label": contact_label(task.applicant_contact),
    }


def present_event(event) -> dict:
    return {"seq": event.seq, "at": event.at, "kind": event.kind, "actor": event.actor,
            "message": event.message, "data": event.data}


def present_proxy(case: Case) -> dict | None:
    """Who filed the case for the applicant: a community station (and its clerk), a person, or both."""
    if case.proxy_hall_id is None and case.proxy_name is None:
        return None
    station = case.proxy_hall_id is not None
    return {"hall": {"code": case.proxy_hall.code, "name": case.proxy_hall.name} if station else None,
            "by": case.proxy_by.username if station and case.proxy_by else None,
            "person": {"name": case.proxy_name, "id_number": case.proxy_id_number, "relation": case.proxy_relation,
                       "relation_label": PROXY_RELATIONS.get(case.proxy_relation or "", case.proxy_relation)}
            if case.proxy_name else None}


HISTORY_PAGE = 100  # events a dossier shows at once (the older ones page by `history_before`)


def present_case(case: Case, session: Session | None = None, detail: bool = False, history_too: bool | None = None,
                 history_limit: int = HISTORY_PAGE, history_before: int | None = None) -> dict:
    """A case; with a session, its running deadline; with `detail`, its open tasks, and its
    history too unless `history_too` is False (what an action answers: the dossier with its
    history is one GET away)."""
    definition = case.definition
    out = {
        "id": case.id, "case_no": case.case_no, "status": case.status,
        "status_label": STATUS_LABELS.get(case.status, case.status), "status_reason": case.status_reason,
        "channel": case.channel, "item": {"code": case.item.code, "name": case.item.name},
        "guide": {"version": case.guide.version, "name": case.guide.name,
                  "effective_from": case.guide.effective_from.isoformat() if case.guide.effective_from else None,
                  "status": case.guide.status},
        "hall": {"code": case.hall.code, "name": case.hall.name}, "applicant": case.applicant,
        "proxy": present_proxy(case),
        "materials": case.materials, "outstanding_materials": case.outstanding_materials,
        "tolerated": case.tolerated, "correction_round": case.correction_round,
        "decision": case.decision, "delivery_method": case.delivery_method,
        "tracking_no": case.tracking_no, "carrier": case.carrier, "delivery_choice": case.delivery_choice,
        "mail_address": case.mail_address, "collected_by": case.collected_by, "supplement_due_at": case.supplement_due_at,
        "process": {"key": definition.key, "version": definition.version, "name": definition.name},
        "revision": case.revision, "created_at": case.created_at, "updated_at": case.updated_at,
        "closed_at": case.closed_at, "accepted_at": case.accepted_at,
        "acceptance_due": case.acceptance_due, "decision_due": case.decision_due, "legal_due": case.legal_due,
        "deadlines_provisional": case.deadlines_provisional, "special_procedure": case.special_procedure,
        "paused_days": case.paused_days, "application_data": case.application_data,
    }
    if session is not None:
        out["deadline"] = current_deadline(case, calendar.current(session), settings().warnings)
    if detail and session is not None:
        data = calendar.current(session)
        out["open_tasks"] = [present_task(t, data) for t in current_open_tasks(session, case)]
        out["active_elements"] = case.active_elements
        if history_too is not False:
            chain = history.events(session, case.id, limit=history_limit + 1, before=history_before)
            more, chain = len(chain) > history_limit, chain[:history_limit]
            out["events"] = [present_event(e) for e in chain]
            out["events_before"] = chain[-1].seq if more else None  # where the next (older) page starts
            newest = chain[0] if chain and history_before is None else None
            out["history_intact"] = history.head_intact(case, newest) if history_before is None else None
    return out


def present_version(definition: ProcessDefinition, running_cases: int) -> dict:
    return {
        "key": definition.key, "version": definition.version, "name": definition.name,
        "sha256": definition.sha256, "deployed_at": definition.deployed_at,
        "deployed_by": definition.deployed_by.username if definition.deployed_by else None,
        "running_cases": running_cases, "user_tasks": definition.user_tasks, "forms": sorted(definition.forms or {}),
    }


def present_processes(session: Session, definitions: list[ProcessDefinition]) -> list[dict]:
    """Versions grouped by process key, each with its running cases."""
    counts = running.counts_by_definition(session, [d.id for d in definitions])
    grouped: dict[str, dict] = {}
    for d in definitions:
        entry = grouped.setdefault(d.key, {"key": d.key, "versions": []})
        entry["versions"].append(present_version(d, counts.get(d.id, 0)))
        entry["name"], entry["latest_version"] = d.name, d.version
    return list(grouped.values())
