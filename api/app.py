"""The Starlette application: GraphQL at /graphql (with the offline explorer), operations
endpoints, and (as they land) REST under /api/v1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute

from api import pages
from api.explorer import static_mount
from api.graphql import GraphQLApp
from api.rest.problems import EXCEPTION_HANDLERS
from api.rest.routes import routes as rest_routes
from db.engine import make_engine, make_sessionmaker
from db.settings import Settings, get_settings


def create_app(
    settings: Settings | None = None, sessions: Callable[[], AsyncSession] | None = None
) -> Starlette:
    """The app. ``sessions`` (a session factory) replaces the engine the app would open, as the
    tests do to run every request inside a transaction they roll back."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if sessions is not None:
            yield
            return
        engine = make_engine(settings)
        app.state.sessions = make_sessionmaker(engine)
        try:
            yield
        finally:
            await engine.dispose()

    def current_sessions() -> Callable[[], AsyncSession]:
        sessions_: Callable[[], AsyncSession] = app.state.sessions
        return sessions_

    graphql = GraphQLApp(settings, current_sessions)
    app = Starlette(
        routes=[
            Route("/", pages.front_page, methods=["GET"]),
            Route("/healthz", pages.healthz, methods=["GET"]),
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            static_mount(),
            Mount("/api/v1", routes=rest_routes()),
        ],
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.settings = settings
    if sessions is not None:
        app.state.sessions = sessions
    return app
