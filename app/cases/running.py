"""Running cases per process version: what designers see beside each version and what
administrators filter on /admin/running."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cases.models import CLOSED_STATUSES, Case
from app.processes.models import ProcessDefinition

_RUNNING = Case.status.notin_(CLOSED_STATUSES)


def counts_by_definition(session: Session, definition_ids: list[int]) -> dict[int, int]:
    rows = session.execute(select(Case.definition_id, func.count()).where(Case.definition_id.in_(definition_ids), _RUNNING)
                           .group_by(Case.definition_id))
    return {definition_id: count for definition_id, count in rows}


def counts_by_version(session: Session) -> list[tuple[str, int, int]]:
    """(key, version, running cases) of every version that has any."""
    rows = session.execute(
        select(ProcessDefinition.key, ProcessDefinition.version, func.count(Case.id))
        .join(Case, Case.definition_id == ProcessDefinition.id).where(_RUNNING)
        .group_by(ProcessDefinition.key, ProcessDefinition.version)
        .order_by(ProcessDefinition.key, ProcessDefinition.version))
    return [(key, version, count) for key, version, count in rows]


def listing(session: Session, *, key: str | None = None, version: int | None = None, status: str | None = None,
                  limit: int = 200) -> list[Case]:
    """The newest running cases, filtered by process key, version and status."""
    stmt = select(Case).join(ProcessDefinition, Case.definition_id == ProcessDefinition.id).where(_RUNNING)
    if key:
        stmt = stmt.where(ProcessDefinition.key == key)
    if version:
        stmt = stmt.where(ProcessDefinition.version == version)
    if status:
        stmt = stmt.where(Case.status == status)
    return list(session.scalars(stmt.order_by(Case.created_at.desc()).limit(limit)))
