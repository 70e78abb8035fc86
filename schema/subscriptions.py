"""Live updates over graphql-transport-ws: `engagementAdded`."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace
from typing import Annotated

import strawberry

from db import engagements as q
from db.events import hub
from db.paging import PageArgs
from schema.context import Info
from schema.engagements import Engagement, EngagementFilter, db_filter


async def _matching(info: Info, public_id: str, filters: q.EngagementFilter) -> Engagement | None:
    """The new engagement, if it passes the subscriber's filter (one statement)."""
    page = await info.context.db(
        q.list_engagements, replace(filters, ids=(public_id,)), PageArgs(first=1)
    )
    return Engagement.from_row(page.rows[0]) if page.rows else None


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Each engagement added from now on that matches the filter, once its transaction commits. With PostgreSQL it reaches subscribers on every server process (LISTEN/NOTIFY); with SQLite, those of the process that wrote it."
    )
    async def engagement_added(
        self,
        info: Info,
        filter: Annotated[
            EngagementFilter | None,
            strawberry.argument(description="Only engagements meeting these conditions."),
        ] = None,
    ) -> AsyncGenerator[Engagement, None]:
        filters = db_filter(filter)
        # Authenticating the socket may have begun a transaction: each event reads afresh.
        await info.context.end_read()
        async for public_id in hub.subscribe(info.context.settings):
            engagement = await _matching(info, public_id, filters)
            if engagement is not None:
                yield engagement
            # The event is sent (or filtered out): hold no transaction while waiting.
            await info.context.end_read()
