"""GraphQL over HTTP (and WebSocket) at /graphql, on Strawberry's ASGI view.

Each request gets its own database session, opened here and closed when the response is sent.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse

from db.settings import Settings
from schema.context import Context
from schema.schema import schema

GRAPHQL_RESPONSE = "application/graphql-response+json"
SessionFactory = Callable[[], AsyncSession]


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, settings: Settings, sessions: Callable[[], SessionFactory]) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.settings = settings
        self._sessions = sessions  # resolved per request: the app's session maker is set at startup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            session = scope.get("state", {}).pop("graphql_session", None)
            if session is not None:
                await session.close()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        session = self._sessions()()
        request.state.graphql_session = session
        return Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            session=session,
            settings=self.settings,
        )

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        from api.explorer import explorer_page

        return HTMLResponse(explorer_page())

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        response = await super().get_sub_response(request)
        accept = request.headers.get("accept", "")
        response.headers["content-type"] = (
            GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else "application/json"
        )
        return response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        media_type = sub_response.headers["content-type"]
        response.headers["content-type"] = media_type
        # GraphQL over HTTP: with application/graphql-response+json, a request that never reached
        # execution (no "data" key: parse or validation errors) is a 400.
        if (
            media_type == GRAPHQL_RESPONSE
            and isinstance(response_data, dict)
            and "data" not in response_data
        ):
            response.status_code = 400
        return response
