"""The Starlette application: GraphQL at /graphql (with the offline explorer), operations
endpoints (/healthz, /readyz, /metrics), and REST under /api/v1 (described at /openapi.json,
browsable at /docs).

Around the routes, outermost first: the request ID, the access log and request metrics, CORS,
the GraphQL body limit, and the rate limits (api/middleware.py and api/ratelimit.py describe
each)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from api import ops, pages
from api.docs import docs_routes
from api.explorer import static_mount
from api.graphql import GraphQLApp
from api.middleware import (
    AccessLogMiddleware,
    GraphQLBodyMiddleware,
    RequestIdMiddleware,
    configure_logging,
    cors_middleware,
)
from api.ratelimit import RateLimiter, RateLimitMiddleware
from api.rest.openapi import openapi_route
from api.rest.problems import EXCEPTION_HANDLERS
from api.rest.routes import routes as rest_routes
from db.engine import make_engine, make_sessionmaker
from db.settings import Settings, get_settings


def create_app(
    settings: Settings | None = None, sessions: Callable[[], AsyncSession] | None = None
) -> Starlette:
    """The app. ``sessions`` (a session factory) replaces the engine the app would open, as the
    tests do to run every request inside a transaction they roll back.

    Without ``settings`` (how ``crisisgraph serve`` builds it) the settings come from the
    environment and the process's logs are set up as JSON lines on stderr; an app given its
    settings leaves logging alone."""
    if settings is None:
        settings = get_settings()
        configure_logging(settings.log_level)

    limiter = RateLimiter(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(limiter.aclose)
            if sessions is None:
                engine = make_engine(settings)
                stack.push_async_callback(engine.dispose)
                app.state.engine = engine
                app.state.sessions = make_sessionmaker(engine)
            yield

    def current_sessions() -> Callable[[], AsyncSession]:
        sessions_: Callable[[], AsyncSession] = app.state.sessions
        return sessions_

    def current_engine() -> AsyncEngine | None:
        engine: AsyncEngine | None = getattr(app.state, "engine", None)
        return engine

    graphql = GraphQLApp(settings, current_sessions)
    metrics = ops.Metrics(current_engine)
    routes: list[BaseRoute] = [
        Route("/", pages.front_page, methods=["GET"]),
        Route("/healthz", pages.healthz, methods=["GET"]),
        Route("/readyz", ops.readyz, methods=["GET"]),
        Route("/metrics", ops.metrics, methods=["GET"]),
        Route("/graphql", graphql),
        WebSocketRoute("/graphql", graphql),
        static_mount(),
        openapi_route(),
        *docs_routes(),
        Mount("/api/v1", routes=rest_routes()),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(AccessLogMiddleware, metrics=metrics),
            cors_middleware(settings),
            Middleware(GraphQLBodyMiddleware, max_body_bytes=settings.max_body_bytes),
            Middleware(RateLimitMiddleware, limiter=limiter, metrics=metrics),
        ],
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.rate_limiter = limiter
    if sessions is not None:
        app.state.sessions = sessions
    return app
