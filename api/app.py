"""The Starlette application: REST under /api/v1, GraphQL at /graphql, operations endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route

from api import pages
from db.engine import make_engine, make_sessionmaker
from db.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = make_engine(settings)
        app.state.engine = engine
        app.state.sessions = make_sessionmaker(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = Starlette(
        routes=[
            Route("/", pages.front_page, methods=["GET"]),
            Route("/healthz", pages.healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
