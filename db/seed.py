"""Load the seed dataset (db.seed_data): the 6 December 2021 article, encoded as data.

Every record gets a stable ID derived from its seed key (db.ids.seed_id), so loading is
idempotent: records already present are left as they are, missing ones are created. All writes go
through the same domain functions as the API, so the seed obeys every rule the API enforces.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from db import models, seed_data
from db.claims import ClaimCreate, StanceCreate, add_stance, create_claim
from db.countries import load_iso_countries
from db.engagements import EngagementCreate, ParticipantCreate, add_participant, create_engagement
from db.enums import (
    DatePrecision,
    EngagementKind,
    EngagementMode,
    EngagementStatus,
    GroupKind,
    MembershipRole,
    ParticipantRole,
    PositionKind,
    StancePosition,
)
from db.groups import GroupCreate, MembershipCreate, create_group, create_membership
from db.ids import country_id, seed_id
from db.leaders import LeaderCreate, PositionCreate, create_leader, create_position
from db.sources import CitationCreate, SourceCreate, add_citation, create_source
from db.statements import StatementCreate, create_statement
from db.tombstones import is_tombstoned

COUNTED: dict[str, type[SQLModel]] = {
    "countries": models.Country,
    "leaders": models.Leader,
    "positions": models.Position,
    "groups": models.Group,
    "memberships": models.Membership,
    "engagements": models.Engagement,
    "participants": models.Participant,
    "statements": models.Statement,
    "claims": models.Claim,
    "stances": models.Stance,
    "sources": models.Source,
    "citations": models.Citation,
}


def source_text() -> str:
    return (resources.files("db") / "seed_sources" / seed_data.SOURCE_FILE).read_text("utf-8")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def actor_id(ref: str | None) -> str | None:
    """A seed actor reference ("leader:biden", "country:US", "group:nato") as a public ID."""
    if ref is None:
        return None
    kind, _, key = ref.partition(":")
    return country_id(key) if kind == "country" else seed_id(kind, key)


@dataclass
class _Loader:
    session: AsyncSession
    created: Counter[str] = field(default_factory=Counter)

    async def exists(self, model: type[SQLModel], public_id: str) -> bool:
        """Present, or deleted once: a deleted seed record stays deleted (IDs never return)."""
        query = select(func.count()).where(col(model.public_id) == public_id)  # type: ignore[attr-defined]
        present = bool((await self.session.execute(query)).scalar_one())
        return present or await is_tombstoned(self.session, public_id)

    async def cite(self, source_pid: str, target_pid: str, key: str, excerpts: list[Any]) -> None:
        text = source_text()
        for index, excerpt in enumerate(excerpts):
            pid = seed_id("citation", f"{key}:{index}")
            if await self.exists(models.Citation, pid):
                continue
            if isinstance(excerpt, tuple | list):
                words, occurrence = excerpt[0], int(excerpt[1])
                start = -1
                for _ in range(occurrence + 1):
                    start = text.index(words, start + 1)
                offsets: dict[str, int | None] = {"start": start, "end": start + len(words)}
            else:
                words, offsets = excerpt, {"start": None, "end": None}
            await add_citation(
                self.session,
                CitationCreate(
                    source=source_pid, target=target_pid, excerpt=words, public_id=pid, **offsets
                ),
            )
            self.created["citations"] += 1

    async def load(self) -> Counter[str]:
        s = self.session
        src = seed_data.SOURCE
        source_pid = seed_id("source", src["key"])
        if not await self.exists(models.Source, source_pid):
            await create_source(
                s,
                SourceCreate(
                    public_id=source_pid,
                    title=src["title"],
                    publisher=src.get("publisher"),
                    url=src.get("url"),
                    language=src.get("language"),
                    published_at=datetime.fromisoformat(src["published_at"]),
                    licence=src.get("licence"),
                    text=source_text(),
                ),
            )
            self.created["sources"] += 1

        for item in seed_data.LEADERS:
            pid = seed_id("leader", item["key"])
            if not await self.exists(models.Leader, pid):
                await create_leader(
                    s,
                    LeaderCreate(
                        public_id=pid,
                        name=item["name"],
                        aliases=item.get("aliases", []),
                        country=item.get("country"),
                        wikidata_qid=item.get("qid"),
                    ),
                )
                self.created["leaders"] += 1

        for item in seed_data.GROUPS:
            pid = seed_id("group", item["key"])
            if not await self.exists(models.Group, pid):
                await create_group(
                    s,
                    GroupCreate(
                        public_id=pid,
                        name=item["name"],
                        aliases=item.get("aliases", []),
                        kind=GroupKind(item["kind"]),
                        description=item.get("description"),
                        wikidata_qid=item.get("qid"),
                    ),
                )
                self.created["groups"] += 1

        for item in seed_data.POSITIONS:
            pid = seed_id("position", item["key"])
            if not await self.exists(models.Position, pid):
                await create_position(
                    s,
                    PositionCreate(
                        public_id=pid,
                        leader=seed_id("leader", item["leader"]),
                        title=item["title"],
                        kind=PositionKind(item["kind"]),
                        country=item.get("country"),
                        group=seed_id("group", item["group"]) if item.get("group") else None,
                        start_date=_date(item.get("start")),
                        end_date=_date(item.get("end")),
                    ),
                )
                self.created["positions"] += 1
            await self.cite(source_pid, pid, f"position:{item['key']}", item.get("cite", []))

        for item in seed_data.MEMBERSHIPS:
            pid = seed_id("membership", item["key"])
            if not await self.exists(models.Membership, pid):
                await create_membership(
                    s,
                    MembershipCreate(
                        public_id=pid,
                        group=seed_id("group", item["group"]),
                        member=actor_id(item["member"]) or "",
                        role=MembershipRole(item.get("role", "MEMBER")),
                        start_date=_date(item.get("start")),
                        end_date=_date(item.get("end")),
                    ),
                )
                self.created["memberships"] += 1
            await self.cite(source_pid, pid, f"membership:{item['key']}", item.get("cite", []))

        for item in seed_data.ENGAGEMENTS:
            pid = seed_id("engagement", item["key"])
            if not await self.exists(models.Engagement, pid):
                await create_engagement(
                    s,
                    EngagementCreate(
                        public_id=pid,
                        kind=EngagementKind(item["kind"]),
                        mode=EngagementMode(item["mode"]) if item.get("mode") else None,
                        status=EngagementStatus(item.get("status", "HELD")),
                        title=item["title"],
                        summary=item.get("summary"),
                        start_date=date.fromisoformat(item["start"]),
                        end_date=_date(item.get("end")),
                        date_precision=DatePrecision(item.get("precision", "DAY")),
                        location_country=item.get("location_country"),
                        location_place=item.get("location_place"),
                    ),
                )
                self.created["engagements"] += 1
            for index, (ref, role) in enumerate(item.get("participants", [])):
                part_pid = seed_id("participant", f"{item['key']}:{index}")
                if not await self.exists(models.Participant, part_pid):
                    await add_participant(
                        s,
                        ParticipantCreate(
                            public_id=part_pid,
                            engagement=pid,
                            actor=actor_id(ref),
                            role=ParticipantRole(role),
                        ),
                    )
                    self.created["participants"] += 1
            await self.cite(source_pid, pid, f"engagement:{item['key']}", item.get("cite", []))

        for item in seed_data.STATEMENTS:
            pid = seed_id("statement", item["key"])
            if not await self.exists(models.Statement, pid):
                await create_statement(
                    s,
                    StatementCreate(
                        public_id=pid,
                        text=item["text"],
                        is_direct_quote=bool(item.get("direct_quote")),
                        date=_date(item.get("date")),
                        date_precision=DatePrecision(item.get("precision", "DAY")),
                        speaker=actor_id(item.get("speaker")),
                        speaker_label=item.get("speaker_label"),
                        engagement=(
                            seed_id("engagement", item["engagement"])
                            if item.get("engagement")
                            else None
                        ),
                    ),
                )
                self.created["statements"] += 1
            await self.cite(source_pid, pid, f"statement:{item['key']}", item.get("cite", []))

        for item in seed_data.CLAIMS:
            pid = seed_id("claim", item["key"])
            if not await self.exists(models.Claim, pid):
                await create_claim(
                    s,
                    ClaimCreate(
                        public_id=pid,
                        text=item["text"],
                        quantity=item.get("quantity"),
                        unit=item.get("unit"),
                        subject=actor_id(item.get("subject")),
                        engagement=(
                            seed_id("engagement", item["engagement"])
                            if item.get("engagement")
                            else None
                        ),
                    ),
                )
                self.created["claims"] += 1
            await self.cite(source_pid, pid, f"claim:{item['key']}", item.get("cite", []))

        for item in seed_data.STANCES:
            pid = seed_id("stance", item["key"])
            if not await self.exists(models.Stance, pid):
                await add_stance(
                    s,
                    StanceCreate(
                        public_id=pid,
                        claim=seed_id("claim", item["claim"]),
                        actor=actor_id(item["actor"]),
                        position=StancePosition(item["position"]),
                        date=_date(item.get("date")),
                        date_precision=DatePrecision(item.get("precision", "DAY")),
                        statement=(
                            seed_id("statement", item["statement"])
                            if item.get("statement")
                            else None
                        ),
                    ),
                )
                self.created["stances"] += 1
            await self.cite(source_pid, pid, f"stance:{item['key']}", item.get("cite", []))
        return self.created


async def load_seed(session: AsyncSession) -> Counter[str]:
    """Load ISO countries and the seed dataset; returns the number of records created per kind."""
    countries_before = await count_rows(session, models.Country)
    await load_iso_countries(session)
    created = await _Loader(session).load()
    created["countries"] = await count_rows(session, models.Country) - countries_before
    return created


async def count_rows(session: AsyncSession, model: type[SQLModel]) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def table_counts(session: AsyncSession) -> dict[str, int]:
    return {name: await count_rows(session, model) for name, model in COUNTED.items()}
