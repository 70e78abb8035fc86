"""The ASGI middleware around every request, outermost first (api/app.py wires them):

1. ``RequestIdMiddleware``: the request's ID, from the client's ``X-Request-ID`` when it is sane
   (1 to 100 characters of ``A-Z a-z 0-9 . _ -``), else a new UUID4. It goes on
   ``request.state.request_id`` (problem documents quote it), into every log line written while
   the request runs, and back to the client in the ``X-Request-ID`` response header.
2. ``AccessLogMiddleware``: one JSON log line per request (time, level, request_id, method,
   route, status, duration_ms, client) and the request metrics, both labelled by route template
   (``/api/v1/engagements/{id}``), never by raw path.
3. CORS (``cors_middleware``): Starlette's CORSMiddleware; see there.
4. ``GraphQLBodyMiddleware``: POST /graphql bodies over ``max_body_bytes`` are refused (413, a
   GraphQL-shaped error) before the app runs; REST refuses its own (a problem document).
5. ``api.ratelimit.RateLimitMiddleware``.

Logs: ``configure_logging`` sends every logger (the app's, uvicorn's) through ``JsonFormatter``,
one JSON object a line. No header is logged, and the formatter redacts what looks like a secret
(a bearer token, an API key, a password in a URL) from messages and fields all the same.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.graphql import JSON, negotiate
from api.ops import Metrics
from api.rest.problems import handle_unexpected
from db.keys import SECRET_PATTERN
from db.settings import Settings

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")
GRAPHQL_PATH = "/graphql"
BODY_SCOPE_KEY = "crisisgraph.body"  # the buffered POST /graphql body, for the rate limiter
UNMATCHED_ROUTE = "unmatched"

access_logger = logging.getLogger("crisisgraph.access")
request_id_var: ContextVar[str | None] = ContextVar("crisisgraph_request_id", default=None)


def route_path(scope: Scope) -> str:
    """The request's path below the application's root path."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return path


def graphql_error(
    scope: Scope,
    status: int,
    message: str,
    code: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A GraphQL-shaped refusal, as GraphQLApp answers: ``{"errors": [{message, extensions:
    {code}}]}`` in the media type the Accept header prefers."""
    media_type = negotiate(Headers(scope=scope).get("accept")) or JSON
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=dict(headers or {}),
        media_type=media_type,
    )


# --------------------------------------------------------------------------------------------
# Request IDs


def request_id_from(headers: Headers) -> str:
    """The client's X-Request-ID when it is sane, else a new UUID4."""
    offered = headers.get(REQUEST_ID_HEADER)
    if offered is not None and SANE_REQUEST_ID.fullmatch(offered):
        return offered
    return str(uuid.uuid4())


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = request_id_from(Headers(scope=scope))
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id_var.set(rid)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Starlette's outermost ServerErrorMiddleware would answer this without our header:
            # answer here instead, with the same 500 problem document (handle_unexpected logs
            # the error ID and the traceback). A response already under way cannot be changed.
            if scope["type"] != "http" or started:
                raise
            response = await handle_unexpected(Request(scope), exc)
            await response(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


# --------------------------------------------------------------------------------------------
# Route templates, access logs and request metrics


def route_template(routes: Iterable[BaseRoute], scope: Scope, prefix: str = "") -> str | None:
    """The template of the route that answers the request (``/api/v1/engagements/{id}``); a
    route that matches all but the method counts. None when nothing matches."""
    partial: str | None = None
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            mount_prefix = prefix + route.path_format.removesuffix("/{path}")
            inner = route_template(route.routes, {**scope, **child}, mount_prefix)
            return inner if inner is not None else mount_prefix + "/{path}"
        template = prefix + (route.path_format if isinstance(route, Route) else "")
        if match is Match.FULL:
            return template
        partial = partial or template
    return partial


_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})


class AccessLogMiddleware:
    """One access log line and the request metrics for every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        routes = getattr(scope.get("app"), "routes", ())  # the Starlette app's, as it is now
        route = route_template(routes, scope) or UNMATCHED_ROUTE
        status = 499  # what we record if the client goes away before any response starts

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_recording)
        except Exception:
            status = 500
            raise
        finally:
            self.metrics.in_progress.dec()
            seconds = time.perf_counter() - start
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(seconds)
            client = scope.get("client")
            access_logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "request_id": scope.get("state", {}).get("request_id"),
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                },
            )


# --------------------------------------------------------------------------------------------
# CORS


CORS_READ_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]
CORS_ALLOW_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    REQUEST_ID_HEADER,
]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Link",
    "Location",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "WWW-Authenticate",
    REQUEST_ID_HEADER,
]


def cors_methods(settings: Settings) -> list[str]:
    """Reads from the configured origins; writes too only with ``cors_allow_writes``."""
    return CORS_READ_METHODS + (CORS_WRITE_METHODS if settings.cors_allow_writes else [])


def cors_middleware(settings: Settings) -> Middleware:
    """Closed unless ``cors_origins`` lists origins: a preflight from another origin, or for a
    method not allowed, is refused (400) and other responses carry no
    ``Access-Control-Allow-Origin``. Credentials (cookies) are never allowed: the API
    authenticates with the Authorization header, which a page must send explicitly."""
    return Middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=cors_methods(settings),
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        allow_credentials=False,
        max_age=600,
    )


# --------------------------------------------------------------------------------------------
# GraphQL body size


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None if the client disconnected first; BodyTooLarge as soon
    as it passes ``limit`` bytes (nothing more is read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class GraphQLBodyMiddleware:
    """Reads a POST /graphql body once, refusing it (413) past ``max_body_bytes`` without
    reading the rest, then hands the same bytes to the app in a single message (and leaves them
    in the scope for the rate limiter, which tells mutations from queries)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    def _too_large(self, scope: Scope) -> Response:
        return graphql_error(
            scope, 413, f"The request body is larger than {self.limit} bytes", "CONTENT_TOO_LARGE"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or route_path(scope).rstrip("/") != GRAPHQL_PATH
        ):
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope)(scope, receive, send)
            return
        try:
            body = await read_body(receive, self.limit)
        except BodyTooLarge:
            await self._too_large(scope)(scope, receive, send)
            return
        if body is None:  # the client went away: nobody to answer
            return
        scope[BODY_SCOPE_KEY] = body
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as usual

        await self.app(scope, replay, send)


# --------------------------------------------------------------------------------------------
# JSON logs


_KEY_BODY = SECRET_PATTERN.pattern.removeprefix("^").removesuffix("$")
_REDACTIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_KEY_BODY), "[REDACTED]"),
    (re.compile(r"(?i)\b(bearer)(\s+)[^\s\"',;]+"), r"\1\2[REDACTED]"),
    (re.compile(r"\b(Basic)(\s+)[A-Za-z0-9+/]{6,}={0,2}"), r"\1\2[REDACTED]"),  # user:password
    (
        re.compile(
            r"(?i)\b(authorization|api[_-]?key|secret|password|passwd|token)"
            r"(\"?'?\s*[:=]\s*\"?'?)(?!\[REDACTED\])[^\s\"',;&]+"
        ),
        r"\1\2[REDACTED]",
    ),
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1[REDACTED]@"),  # a password in a URL
]
_SENSITIVE_FIELDS = re.compile(r"(?i)authorization|api_?key|secret|password|passwd|token|cookie")
_RECORD_FIELDS = frozenset(
    [*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime"]
)
_SKIPPED_FIELDS = frozenset(["color_message", "request_id"])  # uvicorn's coloured duplicate


def redact(text: str) -> str:
    """``text`` without anything that looks like a credential."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _field(name: str, value: Any) -> Any:
    if _SENSITIVE_FIELDS.search(name):
        return "[REDACTED]"
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(value if isinstance(value, str) else str(value))


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time (UTC, ISO 8601), level, logger, message, the
    request ID of the request being served (if any), then the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        rid = getattr(record, "request_id", None) or request_id_var.get()
        if rid is not None:
            out["request_id"] = rid
        for name, value in record.__dict__.items():
            if name in _RECORD_FIELDS or name in _SKIPPED_FIELDS or name.startswith("_"):
                continue
            out[name] = _field(name, value)
        if record.exc_info:
            out["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            out["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(out, ensure_ascii=False, default=str)


_OUR_HANDLER = "_crisisgraph_json_handler"


def configure_logging(level: str = "info", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record (ours, uvicorn's, the libraries') to ``stream`` (stderr) as JSON
    lines, at ``level`` and above. Uvicorn's own access log is switched off: the access log
    is ours (it names route templates and request IDs). Calling it again replaces the handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OUR_HANDLER, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    setattr(handler, _OUR_HANDLER, True)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    root.setLevel(numeric if isinstance(numeric, int) else logging.DEBUG)  # uvicorn's "trace"
    for name in ("uvicorn", "uvicorn.error", access_logger.name):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)  # the root's level governs
        logger.propagate = True
        logger.disabled = False  # an earlier logging.config call may have disabled it
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers.clear()
    uvicorn_access.propagate = False
    uvicorn_access.disabled = True
    return handler
