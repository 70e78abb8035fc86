"""Operations endpoints beside /healthz (api/pages.py, "the process is up"):

- ``/readyz``: ready to serve: the database answers and its migrations are at the code's head.
  200 ``{"status": "ready", "database": "ok", "migrations": {"current": [...], "head": [...]}}``;
  otherwise a 503 problem document (``/problems/unavailable``) with ``database`` ("ok" or
  "unreachable") and, when the database answered, ``migrations`` as above.
- ``/metrics``: Prometheus exposition (text format 0.0.4, or OpenMetrics when the scraper asks
  for it) of this process's registry:

  - ``crisisgraph_http_requests_total{method, route, status}``: requests answered;
  - ``crisisgraph_http_request_duration_seconds{method, route}``: a latency histogram;
  - ``crisisgraph_http_requests_in_progress``;
  - ``crisisgraph_rate_limited_total{policy}``: requests refused with 429;
  - ``crisisgraph_db_pool_size`` (configured), ``crisisgraph_db_pool_checked_out`` (in use),
    ``crisisgraph_db_pool_connections`` (open) and ``crisisgraph_db_pool_overflow`` (open
    beyond the size): the engine's connection pool, when it has one that counts;
  - the client library's ``process_*``, ``python_gc_*`` and ``python_info``.

  ``route`` is the route template (``/api/v1/engagements/{id}``), never the raw path, and
  ``unmatched`` for a path no route serves, so the label set stays small. Every server process
  counts on its own: scrape each one.

Neither endpoint is rate-limited.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any

import anyio
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.rest.openapi import Operation, Reply, register
from api.rest.problems import Problem, problem_response
from db import migrations

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 5.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


# --------------------------------------------------------------------------------------------
# /readyz


@functools.cache
def head_revisions() -> tuple[str, ...]:
    """The migration heads this code expects (read once: the scripts do not change while the
    process runs)."""
    return tuple(sorted(migrations.head_revisions()))


async def _current_revisions(request: Request) -> list[str]:
    sessions = getattr(request.app.state, "sessions", None)
    if sessions is None:
        raise RuntimeError("the database is not open: the app has not started")
    async with sessions() as session:
        connection = await session.connection()
        current: list[str] = await connection.run_sync(migrations.recorded_revisions)
        return current


async def readyz(request: Request) -> Response:
    try:
        with anyio.fail_after(READY_TIMEOUT_SECONDS):
            current = await _current_revisions(request)
    except Exception as exc:  # whatever the driver raises when the database is away
        logger.warning("Not ready: the database does not answer (%s)", type(exc).__name__)
        return problem_response(
            request,
            Problem(503, "the database does not answer", database="unreachable"),
        )
    head = list(head_revisions())
    state = {"current": current, "head": head}
    if set(current) != set(head):
        shown = ", ".join(current) or "none (an empty database)"
        return problem_response(
            request,
            Problem(
                503,
                f"the database's migrations ({shown}) are not this code's head "
                f"({', '.join(head)}): run `crisisgraph db upgrade`",
                database="ok",
                migrations=state,
            ),
        )
    return JSONResponse({"status": "ready", "database": "ok", "migrations": state})


# --------------------------------------------------------------------------------------------
# /metrics


class PoolCollector(Collector):
    """The engine's connection pool at scrape time, when the pool can tell (a QueuePool can;
    SQLite's in-memory StaticPool cannot, and the tests' shared connection has no engine)."""

    def __init__(self, engine: Callable[[], AsyncEngine | None]) -> None:
        self._engine = engine

    def describe(self) -> list[Metric]:
        return []  # nothing to check at registration: the engine opens at startup

    def collect(self) -> Iterator[Metric]:
        engine = self._engine()
        pool: Any = engine.pool if engine is not None else None
        if not all(
            callable(getattr(pool, method, None))
            for method in ("size", "checkedout", "checkedin", "overflow")
        ):
            return
        checked_out, checked_in = pool.checkedout(), pool.checkedin()
        readings = (
            ("crisisgraph_db_pool_size", "The pool's configured size.", pool.size()),
            ("crisisgraph_db_pool_checked_out", "Connections in use.", checked_out),
            ("crisisgraph_db_pool_connections", "Connections open.", checked_out + checked_in),
            (
                "crisisgraph_db_pool_overflow",
                "Connections open beyond the pool's size.",
                max(0, pool.overflow()),  # the pool counts from -size
            ),
        )
        for name, documentation, value in readings:
            yield GaugeMetricFamily(name, documentation, value=float(value))


class Metrics:
    """This app's metrics, in a registry of its own (so several apps, as in the tests, never
    share or clash)."""

    def __init__(self, engine: Callable[[], AsyncEngine | None] = lambda: None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "crisisgraph_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "crisisgraph_http_request_duration_seconds",
            "Time to answer an HTTP request (to its last byte), by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "crisisgraph_http_requests_in_progress",
            "HTTP requests being answered.",
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "crisisgraph_rate_limited",
            "Requests refused with 429, by rate-limit policy.",
            ["policy"],
            registry=self.registry,
        )
        self.registry.register(PoolCollector(engine))
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    body, content_type = registry.exposition(request.headers.get("accept"))
    return Response(body, headers={"Content-Type": content_type})


register(
    Operation(
        "get",
        "/readyz",
        "readyz",
        "Readiness: the database answers, its migrations at head",
        "operations",
        responses=(
            Reply(
                200,
                "Ready.",
                {
                    "type": "object",
                    "properties": {
                        "status": {"const": "ready"},
                        "database": {"const": "ok"},
                        "migrations": {
                            "type": "object",
                            "properties": {
                                "current": {"type": "array", "items": {"type": "string"}},
                                "head": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                    "required": ["status", "database", "migrations"],
                },
            ),
        ),
        access="public",
        problems=(503,),
        rate_limited=False,
    ),
    Operation(
        "get",
        "/metrics",
        "metrics",
        "Prometheus metrics of this process",
        "operations",
        responses=(
            Reply(
                200,
                "The Prometheus text format, or OpenMetrics when the Accept header asks for it.",
                {"type": "string"},
                media=("text/plain", "application/openmetrics-text"),
            ),
        ),
        access="public",
        rate_limited=False,
    ),
)
