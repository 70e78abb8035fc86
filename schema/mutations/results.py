"""The typed errors mutations return, and the one path every mutation takes: check the key's
scope, run the data-layer write, commit, or roll back and return the error as data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types.unset import UNSET

from db import errors
from db.deletion import delete_record
from db.ids import id_type
from schema.context import Info
from schema.security import require_scope

R = TypeVar("R")


@strawberry.type(description="The input broke a rule; `field` is the path to the field at fault.")
class ValidationError:
    message: str = strawberry.field(description="What is wrong, for a person.")
    field: list[str] = strawberry.field(
        description='Path to the field at fault, from the mutation\'s arguments (`["input", "endDate"]`); empty when the whole input is at fault.'
    )


@strawberry.type(description="A record the mutation needs does not exist (or was deleted).")
class NotFoundError:
    message: str = strawberry.field(description="What was not found, for a person.")
    field: list[str] = strawberry.field(description="Path to the argument that named it.")


@strawberry.type(
    description="The change conflicts with existing records: a duplicate key, or records that still depend on the one being deleted."
)
class ConflictError:
    message: str = strawberry.field(description="What conflicts, for a person.")
    field: list[str] = strawberry.field(description="Path to the field at fault, when one is.")


@strawberry.type(description="A record was deleted; its ID will never be used again.")
class Deleted:
    id: strawberry.ID = strawberry.field(description="The deleted record's ID.")


DeleteResult = Annotated[
    Deleted | ValidationError | NotFoundError | ConflictError,
    strawberry.union(
        "DeleteResult", description="The deleted record's ID, or why it was not deleted."
    ),
]

_CAMEL = {
    "start_date": "startDate",
    "end_date": "endDate",
    "date_precision": "datePrecision",
    "is_direct_quote": "isDirectQuote",
    "speaker_label": "speakerLabel",
    "location_country": "locationCountry",
    "location_place": "locationPlace",
    "cameo_code": "cameoCode",
    "external_id": "externalId",
    "wikidata_qid": "wikidataQid",
    "published_at": "publishedAt",
}


def _path(exc: errors.DataError, root: str) -> list[str]:
    if exc.field is None:
        return [root] if root != "input" else []
    if root != "input":
        return [root]
    return [root, _CAMEL.get(exc.field, exc.field)]


def as_error(exc: errors.DataError, root: str = "input") -> Any:
    path = _path(exc, root)
    if isinstance(exc, errors.NotFoundError):
        return NotFoundError(message=exc.message, field=path)
    if isinstance(exc, errors.DuplicateError | errors.ConflictError):
        return ConflictError(message=exc.message, field=path)
    return ValidationError(message=exc.message, field=path)


async def mutate(
    info: Info,
    fn: Callable[..., Awaitable[R]],
    *args: Any,
    root: str = "input",
    convert: Callable[[R], Any],
) -> Any:
    """Write with the caller's key; return the converted result or a typed error."""
    require_scope(info, "write")
    try:
        result = await info.context.write(fn, *args)
    except errors.DataError as exc:
        return as_error(exc, root)
    return convert(result)


def provided(data: Any) -> dict[str, Any]:
    """An input object's fields the client actually sent (UNSET ones left out), IDs as strings."""
    out: dict[str, Any] = {}
    for name, value in vars(data).items():
        if value is UNSET:
            continue
        if isinstance(value, list):
            value = [str(v) if isinstance(v, str) else v for v in value]
        out[name] = str(value) if isinstance(value, str) else value
    return out


async def delete(info: Info, id: strawberry.ID, kind: str) -> DeleteResult:
    """Delete a record of the given kind; the ID's prefix must name that kind."""
    if id_type(str(id)) != kind:
        return ValidationError(message=f"{id!r} is not a {kind} ID", field=["id"])
    return await mutate(info, delete_record, str(id), root="id", convert=lambda _: Deleted(id=id))
