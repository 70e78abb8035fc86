"""RFC 9457 problem documents: every REST error, whatever raised it.

A problem names its type (a stable URI under /problems/), the HTTP status, a title, a detail for
a person, the parameter or field at fault, and the request ID the logs carry. Nothing a client
sends produces a traceback or a 500; a fault of ours is a 500 with an error ID and no details.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import quote

from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from db import errors

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    410: "Gone",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition-failed",
    413: "content-too-large",
    415: "unsupported-media-type",
    422: "invalid",
    428: "precondition-required",
    429: "rate-limited",
    500: "internal",
    503: "unavailable",
}


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        param: str | None = None,
        field: str | None = None,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.param = param
        self.field = field
        self.slug = slug or SLUGS.get(status, "error")
        self.headers = headers or {}
        self.extra = extra


def request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    return rid if isinstance(rid, str) else "-"


def problem_response(request: Request, problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": f"/problems/{problem.slug}",
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
        "instance": quote(request.url.path, safe="/"),  # a URI reference, as RFC 9457 says
        "requestId": request_id(request),
    }
    if problem.param is not None:
        body["param"] = problem.param
    if problem.field is not None:
        body["field"] = problem.field
    body.update(problem.extra)
    return JSONResponse(
        body, status_code=problem.status, headers=problem.headers, media_type=PROBLEM_JSON
    )


def from_data_error(exc: errors.DataError, *, where: str = "field") -> Problem:
    """A data-layer refusal as a problem: the field it names goes under ``field`` (body) or
    ``param`` (query string)."""
    status = {
        errors.NotFoundError: 404,
        errors.DuplicateError: 409,
        errors.ConflictError: 409,
        errors.PreconditionFailedError: 412,
    }.get(type(exc), 400 if where == "param" else 422)
    slug = "duplicate" if isinstance(exc, errors.DuplicateError) else None
    # Bodies are camelCase like every response; query parameters keep their own names.
    name = to_camel(exc.field) if exc.field and where == "field" and "_" in exc.field else exc.field
    message = exc.message.replace(exc.field, name) if exc.field and name else exc.message
    detail = f"{name}: {message}" if name else message
    located = {where: name} if name else {}
    return Problem(status, detail, slug=slug, **located)  # type: ignore[arg-type]


async def handle_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(request, exc)


async def handle_data_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DataError)
    return problem_response(request, from_data_error(exc))


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    return problem_response(request, Problem(exc.status_code, str(exc.detail), headers=headers))


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    error_id = str(uuid.uuid4())
    logger.error(
        "Internal server error %s on %s %s",
        error_id,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return problem_response(
        request,
        Problem(
            500,
            "an internal error occurred; quote the error ID when reporting it",
            errorId=error_id,
        ),
    )


EXCEPTION_HANDLERS = {
    Problem: handle_problem,
    errors.DataError: handle_data_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
