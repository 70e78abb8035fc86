"""The middleware around every request: request IDs, JSON access and app logs without secrets,
CORS (reads from configured origins; writes only when allowed), the GraphQL body limit, and
route templates."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from api.app import create_app
from api.middleware import JsonFormatter, configure_logging, redact, route_template
from db.settings import Settings

pytestmark = pytest.mark.anyio

# Shaped like an API key (db.keys.SECRET_PATTERN), known to no database.
SECRET = "cg_AbCd1234_" + "s3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tX"[:43]
MISSING = "/api/v1/engagements/engagement_00000000000000000000000000"
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def make_client(connection: AsyncConnection, settings: Settings) -> ClientFactory:
    """A client for an app with these settings changed, on the test's rolled-back connection."""

    @asynccontextmanager
    async def make(**changes: Any) -> AsyncIterator[httpx.AsyncClient]:
        def sessions() -> AsyncSession:
            return AsyncSession(
                bind=connection,
                expire_on_commit=False,
                autoflush=False,
                join_transaction_mode="create_savepoint",
            )

        app = create_app(settings.model_copy(update=changes), sessions=sessions)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            yield http

    return make


def test_the_test_secret_is_shaped_like_a_key() -> None:
    from db.keys import SECRET_PATTERN

    assert SECRET_PATTERN.fullmatch(SECRET)


# --------------------------------------------------------------------------------------------
# Request IDs


@pytest.mark.parametrize("offered", ["abc-123_x.y", "A" * 100, "0"])
async def test_a_sane_request_id_is_echoed(client: httpx.AsyncClient, offered: str) -> None:
    response = await client.get(MISSING, headers={"X-Request-ID": offered})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == offered
    assert response.json()["requestId"] == offered


@pytest.mark.parametrize(
    "offered",
    ["", "has space", "A" * 101, "semi;colon", "ünïcode".encode("latin-1"), "slash/es", "quote'"],
)
async def test_an_insane_request_id_is_replaced(
    client: httpx.AsyncClient, offered: str | bytes
) -> None:
    headers = [(b"X-Request-ID", offered if isinstance(offered, bytes) else offered.encode())]
    response = await client.get(MISSING, headers=headers)
    generated = response.headers["x-request-id"]
    assert UUID4.fullmatch(generated)
    assert response.json()["requestId"] == generated


async def test_every_response_gets_a_new_request_id(client: httpx.AsyncClient) -> None:
    answers = [
        await client.get(path)
        for path in ("/healthz", "/healthz", "/", "/graphql?query={__typename}")
    ]
    ids = [r.headers["x-request-id"] for r in answers]
    assert all(UUID4.fullmatch(i) for i in ids)
    assert len(set(ids)) == 4


async def test_an_unexpected_error_answers_500_with_the_request_id(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from api import pages

    async def broken(_request: Any) -> Any:
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO, logger="crisisgraph.access")
    monkeypatch.setattr(pages, "front_page", broken)
    # the route captured the function at create_app time: build a fresh app
    app = create_app(Settings(database_url="sqlite://"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/", headers={"X-Request-ID": "oops-1"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "oops-1"
    body = response.json()
    assert (body["requestId"], body["type"]) == ("oops-1", "/problems/internal")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert len(errors) == 1  # logged once, with the error ID the client was given
    assert body["errorId"] in errors[0].getMessage()
    (access,) = _access_lines(caplog)
    assert (access["level"], access["route"], access["status"]) == ("error", "/", 500)


# --------------------------------------------------------------------------------------------
# Logs


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(r)) for r in caplog.records if r.name == "crisisgraph.access"
    ]


async def test_one_json_access_line_per_request_without_secrets(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="crisisgraph.access")
    response = await client.get(
        f"{MISSING}?token={SECRET}",
        headers={"Authorization": f"Bearer {SECRET}", "X-Request-ID": "log-1"},
    )
    assert response.status_code == 400  # strict parameters: `token` is not one
    (line,) = _access_lines(caplog)
    assert set(line) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "route",
        "status",
        "duration_ms",
        "client",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert {k: v for k, v in line.items() if k not in ("time", "duration_ms")} == {
        "level": "info",
        "logger": "crisisgraph.access",
        "message": "GET /api/v1/engagements/{id} 400",
        "request_id": "log-1",
        "method": "GET",
        "route": "/api/v1/engagements/{id}",
        "status": 400,
        "client": "127.0.0.1",
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert SECRET not in caplog.text
    assert "s3cr3t" not in json.dumps(_access_lines(caplog))
    assert "engagement_0000" not in caplog.text  # the route template, not the path


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The process's logging as `crisisgraph serve` sets it up, into a buffer; restored after."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", "crisisgraph.access")
    loggers = [logging.getLogger(name) for name in names]
    saved = [(lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    stream = io.StringIO()
    configure_logging("info", stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for lg, (handlers, level, propagate, disabled) in zip(loggers, saved, strict=True):
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate, lg.disabled = propagate, disabled


async def test_app_logs_are_json_lines_with_the_request_id(
    json_logs: io.StringIO, settings: Settings
) -> None:
    # A database that refuses connections: /readyz logs a warning while serving the request.
    app = create_app(Settings(database_url="postgresql://u:pw@127.0.0.1:1/x"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.get(
            "/readyz", headers={"X-Request-ID": "ops-7", "Authorization": f"Bearer {SECRET}"}
        )
    assert response.status_code == 503
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    warning = next(line for line in lines if line["logger"] == "api.ops")
    assert warning["level"] == "warning"
    assert warning["request_id"] == "ops-7"
    assert warning["message"] == "Not ready: the database does not answer (ConnectionRefusedError)"
    access = next(line for line in lines if line["logger"] == "crisisgraph.access")
    assert (access["route"], access["status"], access["request_id"]) == ("/readyz", 503, "ops-7")
    assert SECRET not in json_logs.getvalue()
    assert "pw@" not in json_logs.getvalue()


def test_the_formatter_redacts_what_looks_like_a_secret(json_logs: io.StringIO) -> None:
    logger = logging.getLogger("crisisgraph.test")
    logger.warning(
        "header Authorization: Bearer %s; key %s; url postgresql://me:pa55@db/x",
        "opaque-token",
        SECRET,
        extra={"authorization": f"Bearer {SECRET}", "api_key": SECRET, "note": f"k={SECRET}"},
    )
    try:
        raise ValueError(f"refused {SECRET}")
    except ValueError:
        logger.exception("failed")
    first, second = (json.loads(line) for line in json_logs.getvalue().splitlines())
    assert first["message"] == (
        "header Authorization: [REDACTED] [REDACTED]; key [REDACTED]; "
        "url postgresql://me:[REDACTED]@db/x"
    )
    assert (first["authorization"], first["api_key"], first["note"]) == (
        "[REDACTED]",
        "[REDACTED]",
        "k=[REDACTED]",
    )
    assert "request_id" not in first  # logged outside any request
    assert "ValueError: refused [REDACTED]" in second["exception"]
    assert SECRET not in json_logs.getvalue()
    assert "opaque-token" not in json_logs.getvalue()
    assert "pa55" not in json_logs.getvalue()


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "GET /api/v1/engagements/{id} 200 (max_tokens=2000, 3 tokens); basic checks passed"
    assert redact(text) == text
    assert redact("Authorization: Basic dXNlcjpwYXNz") == "Authorization: [REDACTED] [REDACTED]"


@pytest.fixture
def disabled_uvicorn_logger() -> Iterator[None]:
    """uvicorn.error as an earlier logging.config call (disable_existing_loggers) leaves it."""
    logger = logging.getLogger("uvicorn.error")
    saved = logger.disabled, logger.level
    logger.disabled = True
    logger.setLevel(logging.CRITICAL)
    yield
    logger.disabled = saved[0]
    logger.setLevel(saved[1])


def test_configure_logging_takes_over_uvicorn(
    disabled_uvicorn_logger: None, json_logs: io.StringIO
) -> None:
    logging.getLogger("uvicorn.error").info("Uvicorn running")
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /x?token=1 HTTP/1.1" 200')
    (line,) = (json.loads(line) for line in json_logs.getvalue().splitlines())
    assert (line["logger"], line["message"]) == ("uvicorn.error", "Uvicorn running")


# --------------------------------------------------------------------------------------------
# CORS

APP = "https://app.example"


def preflight(method: str, origin: str = APP, headers: str | None = None) -> dict[str, str]:
    out = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        out["Access-Control-Request-Headers"] = headers
    return out


async def test_cors_is_closed_by_default(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/engagements", headers=preflight("GET"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    simple = await client.get("/healthz", headers={"Origin": APP})
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_allows_reads_from_configured_origins(make_client: ClientFactory) -> None:
    async with make_client(cors_origins=[APP]) as http:
        read = await http.options(
            "/api/v1/engagements", headers=preflight("GET", headers="authorization")
        )
        write = await http.options("/api/v1/engagements", headers=preflight("POST"))
        delete = await http.options(f"{MISSING}", headers=preflight("DELETE"))
        stranger = await http.options(
            "/api/v1/engagements", headers=preflight("GET", "https://evil.example")
        )
        simple = await http.get("/healthz", headers={"Origin": APP})
        simple_stranger = await http.get("/healthz", headers={"Origin": "https://evil.example"})
    assert read.status_code == 200
    assert read.headers["access-control-allow-origin"] == APP
    assert read.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert (write.status_code, write.text) == (400, "Disallowed CORS method")
    assert (delete.status_code, delete.text) == (400, "Disallowed CORS method")
    assert (stranger.status_code, stranger.text) == (400, "Disallowed CORS origin")
    assert simple.headers["access-control-allow-origin"] == APP
    exposed = simple.headers["access-control-expose-headers"].lower().split(", ")
    assert {"x-request-id", "ratelimit", "ratelimit-policy", "retry-after", "etag", "link"} <= set(
        exposed
    )
    assert "access-control-allow-origin" not in simple_stranger.headers


async def test_cors_allows_writes_only_when_configured(make_client: ClientFactory) -> None:
    async with make_client(cors_origins=[APP], cors_allow_writes=True) as http:
        write = await http.options(
            "/graphql", headers=preflight("POST", headers="content-type, authorization, if-match")
        )
        stranger = await http.options("/graphql", headers=preflight("POST", "https://evil.example"))
    assert write.status_code == 200
    assert write.headers["access-control-allow-origin"] == APP
    assert (
        write.headers["access-control-allow-methods"]
        == "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"
    )
    assert "access-control-allow-credentials" not in write.headers
    assert stranger.status_code == 400


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRISISGRAPH_CORS_ORIGINS", "https://a.example, http://localhost:5173/")
    monkeypatch.setenv("CRISISGRAPH_CORS_ALLOW_WRITES", "true")
    settings = Settings(database_url="sqlite://")
    assert settings.cors_origins == ["https://a.example", "http://localhost:5173"]
    assert settings.cors_allow_writes is True
    monkeypatch.setenv("CRISISGRAPH_CORS_ORIGINS", "a.example")
    with pytest.raises(ValueError, match=r"'a\.example' is not an origin"):
        Settings(database_url="sqlite://")
    monkeypatch.delenv("CRISISGRAPH_CORS_ORIGINS")
    assert Settings(database_url="sqlite://").cors_origins == []


# --------------------------------------------------------------------------------------------
# The GraphQL body limit


def _query_of_size(size: int) -> bytes:
    """A JSON GraphQL request of exactly ``size`` bytes."""
    empty = json.dumps({"query": "{ __typename }", "variables": {"pad": ""}})
    body = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * (size - len(empty))}})
    assert len(body) == size
    return body.encode()


TOO_LARGE = {
    "errors": [
        {
            "message": "The request body is larger than 1024 bytes",
            "extensions": {"code": "CONTENT_TOO_LARGE"},
        }
    ]
}


async def test_graphql_refuses_a_body_over_the_limit(make_client: ClientFactory) -> None:
    headers = {"Content-Type": "application/json"}
    async with make_client(max_body_bytes=1024) as http:
        at_limit = await http.post("/graphql", content=_query_of_size(1024), headers=headers)
        over = await http.post("/graphql", content=_query_of_size(1025), headers=headers)
        over_graphql = await http.post(
            "/graphql",
            content=_query_of_size(5000),
            headers={**headers, "Accept": "application/graphql-response+json"},
        )
    assert at_limit.status_code == 200
    assert at_limit.json()["data"] == {"__typename": "Query"}
    assert over.status_code == 413
    assert over.headers["content-type"] == "application/json"
    assert over.json() == TOO_LARGE
    assert over.headers["x-request-id"]
    assert over_graphql.status_code == 413
    assert over_graphql.headers["content-type"] == "application/graphql-response+json"
    assert over_graphql.json() == TOO_LARGE


async def test_graphql_refuses_a_streamed_body_over_the_limit(make_client: ClientFactory) -> None:
    """Without a Content-Length the body is counted as it arrives, and reading stops at the
    limit."""
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for n in range(10):
            sent.append(n)
            yield b'{"query": "{ __typename }", "pad": "' if n == 0 else b"x" * 400

    async with make_client(max_body_bytes=1024) as http:
        response = await http.post(
            "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json() == TOO_LARGE

    async def small() -> AsyncIterator[bytes]:
        yield b'{"query": '
        yield b'"{ __typename }"}'

    async with make_client(max_body_bytes=1024) as http:
        fine = await http.post(
            "/graphql", content=small(), headers={"Content-Type": "application/json"}
        )
    assert (fine.status_code, fine.json()["data"]) == (200, {"__typename": "Query"})


async def test_rest_keeps_its_own_body_limit(make_client: ClientFactory) -> None:
    async with make_client(max_body_bytes=1024) as http:
        response = await http.post(
            "/api/v1/engagements",
            content=b"{" + b" " * 2000 + b"}",
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code in (401, 413)  # authentication may come first
    assert response.headers["content-type"] == "application/problem+json"


# --------------------------------------------------------------------------------------------
# Route templates


def test_route_templates() -> None:
    async def endpoint(_request: Any) -> Any:  # pragma: no cover - never called
        return None

    routes = [
        Route("/", endpoint),
        Route("/healthz", endpoint, methods=["GET"]),
        Mount(
            "/api/v1",
            routes=[
                Route("/things", endpoint, methods=["GET"]),
                Route("/things/{id}", endpoint, methods=["GET"]),
                Route("/n/{n:int}", endpoint),
            ],
        ),
        Mount("/static", app=PlainTextResponse("static")),
    ]

    def template(method: str, path: str) -> str | None:
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        return route_template(routes, scope)

    assert template("GET", "/") == "/"
    assert template("GET", "/api/v1/things/abc") == "/api/v1/things/{id}"
    assert template("DELETE", "/api/v1/things/abc") == "/api/v1/things/{id}"  # a 405
    assert template("GET", "/api/v1/n/12") == "/api/v1/n/{n}"
    assert template("GET", "/api/v1/nothing") == "/api/v1/{path}"
    assert template("GET", "/static/app.js") == "/static/{path}"
    assert template("GET", "/nothing") is None
