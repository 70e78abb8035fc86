"""Client-chosen sort orders (REST's ``sort=-start_date,title``) as keyset orderings."""

from __future__ import annotations

from typing import Any

from db.errors import ValidationError
from db.paging import Ordering


def ordering_from(
    list_name: str, spec: str | None, allowed: dict[str, Any], id_column: Any, default: str
) -> Ordering:
    """Parse ``field,-field`` (``-`` for descending) over the allowed non-null columns; ties are
    broken by the record's key in the direction of the last field, so paging is total."""
    text = (spec or default).strip()
    columns: list[tuple[Any, bool]] = []
    seen: set[str] = set()
    for part in text.split(","):
        name = part.strip()
        desc = name.startswith("-")
        name = name.lstrip("-+")
        if name not in allowed:
            options = ", ".join(sorted(allowed))
            raise ValidationError(
                f"cannot sort by {name!r}; sort by one of: {options}", field="sort"
            )
        if name in seen:
            raise ValidationError(f"{name!r} is given twice", field="sort")
        seen.add(name)
        columns.append((allowed[name], desc))
    columns.append((id_column, columns[-1][1]))
    return Ordering(f"{list_name}:{text}", tuple(columns))
