"""The only package that imports SpiffWorkflow.

- `checks.inspect(bytes, roles, max_bytes, contact_kinds=…)`: deployment checks for a .bpmn file
- `specs.load(...)`: the parsed spec of a deployed version, cached per worker
- `ProcessInstance`: start / load / act / run / snapshot / dump one case's instance
"""
from app.engine.checks import Inspection, Problem, inspect
from app.engine.instance import OpenUserTask, PendingTimer, ProcessInstance, Snapshot
from app.engine.specs import LoadedDefinition
from app.engine.specs import load as load_definition

__all__ = [
    "Inspection", "Problem", "inspect", "OpenUserTask", "PendingTimer", "ProcessInstance",
    "Snapshot", "LoadedDefinition", "load_definition",
]
