"""The front page and the liveness probe (readiness and metrics are in api/ops.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from api.rest.openapi import Operation, Reply, register

_FRONT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crisisgraph</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .2em}</style></head>
<body><h1>crisisgraph</h1>
<p>Structured crisis data: countries, leaders and their offices over time, groups and their
members, engagements, statements, and contested claims, every fact tied to its source.</p>
<ul>
<li><a href="/docs">/docs</a>: the REST API reference, from <a href="/openapi.json">OpenAPI</a></li>
<li><a href="/graphql">/graphql</a>: the GraphQL API; in a browser, GraphiQL with the explorer</li>
<li><a href="/healthz">/healthz</a>: liveness (the process is up)</li>
<li><a href="/readyz">/readyz</a>: readiness (the database answers, its migrations at head)</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
</ul></body></html>
"""


async def front_page(_request: Request) -> Response:
    return HTMLResponse(_FRONT_PAGE)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


register(
    Operation(
        "get",
        "/healthz",
        "healthz",
        "Liveness: the process is up",
        "operations",
        responses=(
            Reply(
                200,
                "Up.",
                {
                    "type": "object",
                    "properties": {"status": {"const": "ok"}},
                    "required": ["status"],
                },
            ),
        ),
        access="public",
        rate_limited=False,
    )
)
