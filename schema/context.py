"""The per-request GraphQL context: one database session, the DataLoaders built on it, and the
caller's API key.

Resolvers run concurrently on the event loop but an AsyncSession serves one statement at a time,
so every database call goes through ``Context.db`` (a lock), and DataLoaders batch the calls so
there are few of them: one per relation per query level, whatever the number of rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from db.settings import Settings

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    session: AsyncSession
    settings: Settings
    key_scopes: frozenset[str] = frozenset()
    key_name: str | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)

    async def db(self, fn: Callable[..., Awaitable[R]], *args: Any, **kwargs: Any) -> R:
        """Run one data-layer function on this request's session."""
        async with self._lock:
            return await fn(self.session, *args, **kwargs)

    def loader(
        self,
        name: Hashable,
        batch: Callable[..., Awaitable[dict[K, V]]],
        *args: Any,
        default: Callable[[], V] | None = None,
    ) -> DataLoader[K, V]:
        """The request's DataLoader for ``batch(session, keys, *args)``, one per name and args.

        ``batch`` returns a dict by key; a key it leaves out loads as ``default()`` (or None).
        """
        cache_key = (name, args)
        existing = self._loaders.get(cache_key)
        if existing is not None:
            return existing

        async def load(keys: Sequence[K]) -> list[V]:
            found = await self.db(batch, list(keys), *args)
            return [found[k] if k in found else (default() if default else None) for k in keys]  # type: ignore[misc]

        created: DataLoader[K, V] = DataLoader(load_fn=load)
        self._loaders[cache_key] = created
        return created


Info = StrawberryInfo[Context, None]
