"""Domain errors raised by services. Views, the API and commands turn them into 4xx / exit codes."""


class DomainError(Exception):
    """A request that the rules refuse. `field` names the input at fault, when there is one."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAuthenticated(DomainError):
    """No valid credentials (a bad bearer token): 401, not 403."""

    status = 401


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class KeyReused(DomainError):
    """An Idempotency-Key sent again with a different request (the IETF draft's 422)."""

    status = 422


class DomainErrors(DomainError):
    """Several inputs refused at once: the first names the field (as a single error would), `problems` all
    of them, so that a form or an app can correct every one in one go (the API's `errors` list)."""

    def __init__(self, problems: list[DomainError]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field)
        self.problems = problems
