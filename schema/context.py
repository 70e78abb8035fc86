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

    async def write(self, fn: Callable[..., Awaitable[R]], *args: Any, **kwargs: Any) -> R:
        """Run one data-layer write and commit it; on any error roll back, so nothing is
        half-written. The only place GraphQL commits."""
        async with self._lock:
            try:
                result = await fn(self.session, *args, **kwargs)
                await self.session.commit()
            except BaseException:
                await self.session.rollback()
                raise
            return result

    async def end_read(self) -> None:
        """End the session's transaction, give its connection back to the pool, and forget what
        the DataLoaders cached. A context that lives on (a WebSocket's, serving subscriptions)
        calls it between events, so each event reads the database as it is now (a SQLite read
        transaction keeps its snapshot) and no connection stays idle in a transaction while
        the subscription waits."""
        async with self._lock:
            await self.session.close()
        self._loaders.clear()

    def loader(
        self,
        path: Any,
        name: Hashable,
        batch: Callable[..., Awaitable[dict[K, V]]],
        *args: Any,
        default: Callable[[], V] | None = None,
    ) -> DataLoader[K, V]:
        """The request's DataLoader for ``batch(session, keys, *args)``, one per name and args
        and per place in the query (``path``: the resolver's ``info.path``, list indices dropped).

        One loader per place, not one shared by every place that loads the same relation: the rows
        of one list reach their loads in the same tick, so each place costs exactly one statement,
        while places reached at different moments would split a shared loader into a number of
        batches that depends on timing (and so on page sizes and row counts).

        ``batch`` returns a dict by key; a key it leaves out loads as ``default()`` (or None).
        """
        cache_key = (name, args, field_path(path))
        existing = self._loaders.get(cache_key)
        if existing is not None:
            return existing

        async def load(keys: Sequence[K]) -> list[V]:
            found = await self.db(batch, list(keys), *args)
            return [found[k] if k in found else (default() if default else None) for k in keys]  # type: ignore[misc]

        created: DataLoader[K, V] = DataLoader(load_fn=load)
        self._loaders[cache_key] = created
        return created


def field_path(path: Any) -> tuple[str, ...]:
    """A GraphQL response path without its list indices: ("leaders", "nodes", "meetings")."""
    keys: list[str] = []
    while path is not None:
        if isinstance(path.key, str):
            keys.append(path.key)
        path = path.prev
    return tuple(reversed(keys))


Info = StrawberryInfo[Context, None]
