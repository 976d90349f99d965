"""Domain errors. They carry a message for people and, where it helps, per-field details;
the HTTP layer (app.api.errors) decides which status each one becomes."""


class DomainError(Exception):
    """Base of every error a user can cause or fix."""

    def __init__(self, message: str, errors: dict | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.extra = extra


class BadRequest(DomainError):
    """The request itself could not be read (e.g. a multipart body in an unknown encoding)."""


class NotAuthenticated(DomainError):
    """No valid credentials were given."""


class PermissionDenied(DomainError):
    """The user is known but may not do this (role or hall)."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the user)."""


class Conflict(DomainError):
    """The request is valid but the current state forbids it (task done, stale revision…)."""


class ValidationFailed(DomainError):
    """Input breaks a rule; `errors` maps field names to messages."""


class TooManyRequests(DomainError):
    """A rate limit was hit; `retry_after` says in how many seconds to try again."""


class TooLarge(DomainError):
    """An upload exceeds its size limit."""


class Unavailable(DomainError):
    """Something the request needs is down for now (the database, a read-only file store); try
    again later (`retry_after` seconds)."""


class StorageFull(DomainError):
    """The file store has no room left: nothing was kept, an administrator must make room."""


class DeploymentRejected(ValidationFailed):
    """A process definition failed its checks; `problems` lists {element_id, rule, message}."""

    def __init__(self, message: str, problems: list[dict]):
        super().__init__(message, errors={"file": [p["message"] for p in problems]})
        self.problems = problems


class ProcessFailure(DomainError):
    """The process model itself failed while running (a script or condition raised).

    The step is rolled back; nothing the user did is lost, but the case cannot move on
    until the model or its data is fixed."""


class GuideRejected(ValidationFailed):
    """A guide breaks the catalogue's rules; `findings` lists {rule, path, message}."""

    def __init__(self, message: str, findings: list[dict]):
        errors: dict[str, list[str]] = {}
        for finding in findings:
            errors.setdefault(finding["path"], []).append(finding["message"])
        super().__init__(message, errors=errors, findings=findings)
