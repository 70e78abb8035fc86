"""Query-string parameters: parsed strictly, so a typo is a 400 naming the parameter rather than
a silently ignored filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from starlette.datastructures import QueryParams

from api.rest.problems import Problem

E = TypeVar("E", bound=StrEnum)

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
PAGING = ("limit", "cursor", "before", "with_total")
SHAPING = ("fields", "expand", "format", "sort")


class Params:
    """A request's query parameters, with the names the endpoint accepts."""

    def __init__(self, query: QueryParams, accepted: Iterable[str]) -> None:
        self.query = query
        accepted = set(accepted)
        for name in query:
            if name not in accepted:
                raise Problem(
                    400,
                    f"unknown query parameter {name!r}; accepted: {', '.join(sorted(accepted))}",
                    param=name,
                )
        for name in accepted:
            if len(query.getlist(name)) > 1:
                raise Problem(
                    400, f"give {name!r} once (use commas for several values)", param=name
                )

    def text(self, name: str) -> str | None:
        value = self.query.get(name)
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise Problem(400, f"{name!r} is empty", param=name)
        if len(value) > 500:
            raise Problem(400, f"{name!r} is longer than 500 characters", param=name)
        if "\x00" in value:  # PostgreSQL refuses NUL in text: it would be a 500
            raise Problem(400, f"{name!r} contains a NUL character", param=name)
        return value

    def items(self, name: str, limit: int = 100) -> tuple[str, ...]:
        value = self.text(name)
        if value is None:
            return ()
        parts = tuple(p.strip() for p in value.split(",") if p.strip())
        if len(parts) > limit:
            raise Problem(400, f"{name!r} takes at most {limit} values", param=name)
        return parts

    def enums(self, name: str, enum: type[E]) -> tuple[E, ...]:
        out = []
        for part in self.items(name):
            try:
                out.append(enum(part.upper()))
            except ValueError:
                options = ", ".join(m.value for m in enum)
                raise Problem(400, f"{part!r} is not one of: {options}", param=name) from None
        return tuple(out)

    def date(self, name: str) -> dt.date | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise Problem(
                400, f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)", param=name
            ) from None

    def timestamp(self, name: str) -> dt.datetime | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise Problem(400, f"{value!r} is not an ISO 8601 timestamp", param=name) from None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)

    def flag(self, name: str) -> bool:
        value = self.text(name)
        if value is None:
            return False
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        raise Problem(400, f"{name!r} is true or false, not {value!r}", param=name)

    def limit(self) -> int:
        value = self.text("limit")
        if value is None:
            return DEFAULT_LIMIT
        if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
            raise Problem(400, f"'limit' is a whole number from 1 to {MAX_LIMIT}", param="limit")
        return int(value)
