"""Schema extensions: the cost of each operation in SQL statements, when asked for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from db.engine import SqlStats, counting_statements


class SqlStatsExtension(SchemaExtension):
    """With CRISISGRAPH_SQL_STATS=1, every response carries
    ``extensions.sql = {"statements": N, "seconds": S}`` for its operation."""

    _stats: SqlStats | None = None

    def on_operation(self) -> Iterator[None]:
        with counting_statements() as stats:
            self._stats = stats
            yield

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        settings = getattr(context, "settings", None)
        if self._stats is None or not getattr(settings, "sql_stats", False):
            return {}
        return {
            "sql": {"statements": self._stats.statements, "seconds": round(self._stats.seconds, 6)}
        }
