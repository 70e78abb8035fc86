"""Errors a client caused, raised from resolvers. They reach the client as they are; anything
else is masked (the client gets a message and an error id, the log the traceback)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from db.errors import DataError


class UserError(GraphQLError):
    """A client mistake with a machine-readable code and the argument or field at fault."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "BAD_USER_INPUT",
        argument: str | None = None,
        **extensions: Any,
    ) -> None:
        ext: dict[str, Any] = {"code": code, **extensions}
        if argument is not None:
            ext["argument"] = argument
        super().__init__(message, extensions=ext)


def argument_error(exc: DataError) -> UserError:
    """A data-layer refusal of an argument, as a GraphQL error naming it."""
    name = exc.field or "input"
    return UserError(f"Argument '{name}' {exc.message}", argument=name)
