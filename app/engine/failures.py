"""Engine errors as the platform reports them: a ProcessFailure naming the BPMN element that
failed and, when a script went over its limits, which limit (SpiffWorkflow wraps what a script
raised)."""
from app.engine import scripting
from app.errors import ProcessFailure


def bpmn_id(task) -> str:
    return getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name


def _over_limit(exc: BaseException) -> scripting.ScriptLimitExceeded | None:
    """The script limit behind an engine error (SpiffWorkflow wraps what a script raised)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, scripting.ScriptLimitExceeded):
            return current
        seen.add(id(current))
        wrapped = getattr(current, "exception", None)
        current = wrapped if isinstance(wrapped, BaseException) else (current.__cause__ or current.__context__)
    return None


def size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def element(task) -> str:
    """`id“name”` of a task's BPMN element, for messages."""
    name = (getattr(task.task_spec, "bpmn_name", None) or "").strip()
    return bpmn_id(task) + (f"“{name}”" if name else "")


def failure(exc: Exception, during: str) -> ProcessFailure:
    task = getattr(exc, "task", None)
    element_id = bpmn_id(task) if task is not None else None
    limit = _over_limit(exc)
    detail = f"脚本超出限制：{limit}" if limit is not None else str(exc)
    where = element(task) if task is not None else None
    message = f"流程在{during}时出错" + (f"（环节 {where}）" if where else "") + f"：{detail}"
    return ProcessFailure(message, errors={"process": [message]}, element_id=element_id)
