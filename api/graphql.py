"""GraphQL over HTTP (and WebSocket) at /graphql, on Strawberry's ASGI view.

Each request gets its own database session, opened here and closed when the response is sent.

HTTP follows the GraphQL-over-HTTP specification:

- GET runs queries (``?query=...&variables=...&operationName=...``); a mutation over GET is
  refused with 405 and ``Allow: POST``. POST (``Content-Type: application/json``) runs queries
  and mutations; another content type is a 415. Subscriptions are served over WebSocket.
- The answer is ``application/graphql-response+json`` when the Accept header prefers it (or
  names it as much as ``application/json``), else ``application/json``; an Accept allowing
  neither is a 406. No Accept header means ``application/json``.
- With ``application/graphql-response+json``: 200 once execution started (``data`` present,
  even null or beside field errors); 400 for a document that does not parse or validate (the
  answer then has no ``data`` key), or for variables that do not fit; 500 if the server failed
  before executing. With ``application/json`` a GraphQL answer is always a 200.
- A malformed request (body not JSON or not an object, no query, ...) is a 400. Every error is a
  JSON body ``{"errors": [{"message": ..., "extensions": {"code": ...}}]}``, never plain text.

Authentication: reads are public. ``Authorization: Bearer <API key>`` authenticates the caller;
the key's scopes and name go into the context, where ``schema.security.require_scope`` checks
them. A malformed header or an unknown or revoked key is a 401 (code UNAUTHENTICATED, with a
``WWW-Authenticate: Bearer`` challenge) and nothing runs; over WebSocket the socket is closed
with code 4401. Authenticating records the key's ``last_used_at`` (at most once a minute);
that write is committed at once, before the operation runs, so it is kept even when the
operation only reads.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http import process_result as strawberry_process_result
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.auth import AuthError, authenticate_request
from db.settings import Settings
from schema.context import Context
from schema.schema import schema as default_schema
from schema.security import (
    INTERNAL_ERROR_CODE,
    INTERNAL_ERROR_MESSAGE,
    TIMEOUT_CODE,
    mask_internal_errors,
)

logger = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
SessionFactory = Callable[[], AsyncSession]

_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class RequestError(Exception):
    """A request refused before (or instead of) running its operation: an HTTP status and a
    GraphQL-shaped JSON body."""

    def __init__(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})

    @property
    def code(self) -> str:
        return _CODES.get(self.status, "BAD_REQUEST" if self.status < 500 else "INTERNAL")


def _unauthenticated(message: str, error: str) -> RequestError:
    challenge = f'Bearer realm="crisisgraph", error="{error}"'
    return RequestError(401, message, headers={"WWW-Authenticate": challenge})


# --------------------------------------------------------------------------------------------
# Content negotiation


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their quality, lower-cased."""
    ranges = []
    for part in accept.split(","):
        media_range, *params = (p.strip() for p in part.split(";"))
        if not media_range:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((media_range.lower(), quality))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> tuple[float, bool]:
    """The quality the most specific matching range gives ``media_type``, and whether that range
    names it exactly."""
    main = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for media_range, quality in ranges:
        if media_range == media_type:
            specificity = 2
        elif media_range == f"{main}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[0]:
            best = (specificity, quality)
    return best[1], best[0] == 2


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None when the Accept header allows neither.

    ``application/graphql-response+json`` wins when it is preferred, or named as explicitly and
    with the same quality as ``application/json``; a wildcard alone gets ``application/json``,
    which every client understands."""
    if accept is None or not accept.strip():
        return JSON
    ranges = _accept_ranges(accept)
    graphql_q, graphql_named = _quality(GRAPHQL_RESPONSE, ranges)
    json_q, _ = _quality(JSON, ranges)
    if graphql_q > 0 and (graphql_q > json_q or (graphql_named and graphql_q == json_q)):
        return GRAPHQL_RESPONSE
    if json_q > 0:
        return JSON
    return None


def execution_started(result: ExecutionResult) -> bool:
    """Whether the operation got to execution: it has data, an error from a field, or was
    cancelled while executing. Otherwise it failed on the request (syntax, validation,
    variables) or before reaching execution."""
    if result.data is not None:
        return True
    return any(
        e.path is not None or (e.extensions or {}).get("code") == TIMEOUT_CODE
        for e in result.errors or ()
    )


class GraphQLApp(GraphQL[Context, None]):
    def __init__(
        self,
        settings: Settings,
        sessions: Callable[[], SessionFactory],
        schema: BaseSchema | None = None,
    ) -> None:
        super().__init__(
            schema or default_schema, graphql_ide="graphiql", allow_queries_via_get=True
        )
        self.settings = settings
        self._sessions = sessions  # resolved per request: the app's session maker is set at startup

    # ----------------------------------------------------------------------------------------
    # ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope["type"] == "http":
                await self._handle_http(scope, receive, send)
            elif scope["type"] == "websocket":
                await self._handle_websocket(scope, receive, send)
            else:  # pragma: no cover
                await super().__call__(scope, receive, send)
        finally:
            session = scope.get("state", {}).pop("graphql_session", None)
            if session is not None:
                await session.close()

    async def _handle_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            self._check_request(request)
            response = await self.run(request)
        except RequestError as exc:
            response = self._error_response(request, exc)
        except HTTPException as exc:  # strawberry's refusals of malformed requests
            headers = {"Allow": "GET, POST"} if exc.status_code == 405 else None
            refusal = RequestError(exc.status_code, exc.reason, headers=headers)
            response = self._error_response(request, refusal)
        except Exception:  # a failure outside GraphQL execution (e.g. the database, in get_context)
            error_id = str(uuid.uuid4())
            logger.exception("Internal server error %s in %s /graphql", error_id, request.method)
            response = JSONResponse(
                {
                    "errors": [
                        {
                            "message": INTERNAL_ERROR_MESSAGE,
                            "extensions": {"code": INTERNAL_ERROR_CODE, "errorId": error_id},
                        }
                    ]
                },
                status_code=500,
                media_type=getattr(request.state, "graphql_media_type", JSON),
            )
        await response(scope, receive, send)

    async def _handle_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except RequestError as exc:  # refused in get_context, after the socket was accepted
            await WebSocket(scope, receive, send).close(code=4000 + exc.status, reason=exc.message)

    def _check_request(self, request: Request) -> None:
        """What can be refused from the headers alone: the Accept and the POST content type."""
        if self.should_render_graphql_ide(self.request_adapter_class(request)):
            return
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None:
            raise RequestError(
                406, f"Not acceptable: this endpoint answers {GRAPHQL_RESPONSE} or {JSON}"
            )
        request.state.graphql_media_type = media_type
        if request.method == "POST":
            content_type = request.headers.get("content-type", "")
            if content_type.split(";")[0].strip().lower() != JSON:
                shown = f"'{content_type}'" if content_type else "none"
                raise RequestError(
                    415, f"Unsupported Content-Type ({shown}): send the request as {JSON}"
                )

    def _error_response(self, request: Request, exc: RequestError) -> Response:
        media_type = getattr(request.state, "graphql_media_type", JSON)
        return JSONResponse(
            {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]},
            status_code=exc.status,
            headers=exc.headers,
            media_type=media_type,
        )

    # ----------------------------------------------------------------------------------------
    # Strawberry's hooks

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        session = self._sessions()()
        request.state.graphql_session = session
        scopes, name = await self._authenticate(request, session)
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            session=session,
            settings=self.settings,
            key_scopes=scopes,
            key_name=name,
        )

    async def _authenticate(
        self, request: Request | WebSocket, session: AsyncSession
    ) -> tuple[frozenset[str], str | None]:
        """The scopes and name of the request's API key; none without an Authorization header."""
        try:
            caller = await authenticate_request(request.headers, session)
        except AuthError as exc:
            raise _unauthenticated(exc.message, exc.error) from None
        return caller.scopes, caller.key_name

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        from api.explorer import explorer_page

        return HTMLResponse(explorer_page())

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            body = await request.get_body()
            start = body.lstrip()[:1]
            if start and start not in (b"{", b"[", "{", "["):
                raise RequestError(400, "The request body must be a JSON object with a `query`")
        return await super().parse_http_body(request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, but a mutation over GET is a 405 and subscriptions are refused (they
        are served over WebSocket; strawberry would run one over POST as a query)."""
        method = request_adapter.method
        allowed = {OperationType.QUERY}
        if method == "POST":
            allowed.add(OperationType.MUTATION)
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.MUTATION:
                raise RequestError(
                    405,
                    "Mutations are not allowed over GET: send them with POST",
                    headers={"Allow": "POST"},
                ) from None
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise RequestError(
                    400, "Subscriptions are served over WebSocket (graphql-transport-ws)"
                ) from None
            raise RequestError(400, exc.as_http_error_reason(method)) from None
        except CannotGetOperationTypeError as exc:
            raise RequestError(400, exc.as_http_error_reason()) from None
        except MissingQueryError:
            raise RequestError(400, "No GraphQL query found in the request") from None

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            # The schema's MaskErrors extension masks what execution raised; this catches what
            # escaped the extensions (a crash in parsing, validation or a hook).
            result.errors = mask_internal_errors(result.errors)
        body = strawberry_process_result(result)
        if not execution_started(result):
            body.pop("data", None)
        return body

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        response = await super().get_sub_response(request)
        response.headers["content-type"] = getattr(request.state, "graphql_media_type", JSON)
        return response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        media_type = sub_response.headers["content-type"]
        response.headers["content-type"] = media_type
        if isinstance(response_data, dict) and "data" not in response_data:
            errors: list[Any] = response_data.get("errors") or []
            if any("errorId" in (e.get("extensions") or {}) for e in errors):
                response.status_code = 500  # the server failed before execution
            elif media_type == GRAPHQL_RESPONSE:
                response.status_code = 400  # a request error: parse, validation, variables
        return response
