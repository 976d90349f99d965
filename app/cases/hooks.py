"""How features take part in an engine step without the case core importing them.

The bootstrap builds one `StepHooks` (documents issued at a decision, the pickup code and its
check, the messages to the applicant) and hands it, with the settings, to every service that
runs a step. `CaseRuntime` is what those services need of the app's runtime object.
"""
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from app.errors import DomainError
from app.settings import Settings

if TYPE_CHECKING:  # annotations only: cycle imports this module
    from app.cases.cycle import Step
    from app.cases.tasks import Task

BeforeComplete = Callable[["Step", "Task", dict], None]
AfterStep = Callable[["Step", str], None]


@dataclass(frozen=True)
class StepHooks:
    # Called with (step, task, cleaned form data) before a task is completed; may refuse.
    before_complete: tuple[BeforeComplete, ...] = ()
    # Called with (step, actor) after the step is synced and before it is stored.
    after_step: tuple[AfterStep, ...] = ()


class CaseRuntime(Protocol):
    """What a service that runs engine steps needs of the app's runtime."""

    @property
    def settings(self) -> Settings: ...

    @property
    def hooks(self) -> StepHooks: ...


class RefusedInStep(DomainError):
    """A refusal (raised by a before-complete hook) whose consequence must outlive the step: the
    step is rolled back whole, then `settle` runs in a transaction of its own (e.g. counting a
    wrong pickup code, which a rollback must not undo) and returns the error for the user."""

    @abstractmethod
    def settle(self, session: Session, actor: str) -> DomainError: ...
