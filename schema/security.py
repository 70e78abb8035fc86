"""Limits that keep one client's query from starving the others (filled in by the limits work)."""

from __future__ import annotations

from strawberry.extensions import SchemaExtension


def security_extensions() -> list[type[SchemaExtension] | SchemaExtension]:
    return []
