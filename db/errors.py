"""Domain errors raised by the data layer. REST renders them as RFC 9457 problems, GraphQL as
typed mutation errors; each names the field at fault."""

from __future__ import annotations


class DataError(Exception):
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(DataError):
    code = "validation"


class NotFoundError(DataError):
    code = "not_found"


class DuplicateError(DataError):
    code = "duplicate"


class ConflictError(DataError):
    code = "conflict"


class PreconditionFailedError(DataError):
    """The client's copy is stale: the record changed since the client read it."""

    code = "precondition_failed"
