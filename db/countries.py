"""Countries: loaded from pycountry (every ISO 3166-1 entry), looked up by alpha-2 or alpha-3."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pycountry
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.errors import ValidationError
from db.ids import country_id
from db.models import Country
from db.paging import Ordering, Page, PageArgs, count, fetch_page
from db.records import iso_alpha2
from db.text import fold, fold_names, like_escape

# Short names that sources use but pycountry's common_name does not cover.
EXTRA_ALIASES: dict[str, list[str]] = {
    "US": ["USA", "United States of America", "America", "U.S.", "Washington"],
    "GB": ["UK", "Britain", "Great Britain", "U.K."],
    "RU": ["Russia", "Moscow"],
    "UA": ["Ukraine", "Kyiv", "Kiev"],
    "DE": ["Germany", "Berlin"],
    "FR": ["France", "Paris"],
    "IT": ["Italy", "Rome"],
}


def _aliases(country: object) -> list[str]:
    names = [getattr(country, "common_name", None), getattr(country, "official_name", None)]
    code = str(getattr(country, "alpha_2", ""))
    return [n for n in names if n] + EXTRA_ALIASES.get(code, [])


async def load_iso_countries(session: AsyncSession) -> int:
    """Insert or refresh all ISO 3166-1 countries; returns how many there are. Idempotent."""
    existing = {c.code: c for c in (await session.execute(select(Country))).scalars()}
    for entry in pycountry.countries:
        code = str(entry.alpha_2)
        aliases = _aliases(entry)
        fresh = Country(
            code=code,
            alpha3=str(entry.alpha_3),
            public_id=country_id(code),
            name=str(entry.name),
            official_name=getattr(entry, "official_name", None),
            aliases=aliases,
            search_names=fold_names([str(entry.name), *aliases]),
        )
        row = existing.get(code)
        if row is None:
            session.add(fresh)
            continue
        for key in ("alpha3", "name", "official_name", "aliases", "search_names"):
            if getattr(row, key) != getattr(fresh, key):
                setattr(row, key, getattr(fresh, key))
    await session.flush()
    return len(pycountry.countries)


async def get_country(session: AsyncSession, code: str) -> Country | None:
    """By ISO alpha-2 or alpha-3 code in any case; None when unknown (not an error: a lookup)."""
    try:
        alpha2 = iso_alpha2(code, field="code")
    except ValidationError:
        return None
    return await session.get(Country, alpha2)


# --- reading -----------------------------------------------------------------------------------

COUNTRY_ORDER = Ordering("countries:code", ((Country.code, False),))


@dataclass(frozen=True)
class CountryFilter:
    codes: Sequence[str] = ()
    search: str | None = None  # part of a name or alias (folded)

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.codes:
            out.append(col(Country.code).in_([iso_alpha2(c, field="codes") for c in self.codes]))
        if self.search and fold(self.search):
            pattern = f"%{like_escape(fold(self.search))}%"
            out.append(col(Country.search_names).like(pattern, escape="\\"))
        return out


def countries_query(filters: CountryFilter | None = None) -> Select[Any]:
    return select(Country).where(*(filters.clauses() if filters else []))


async def list_countries(
    session: AsyncSession, filters: CountryFilter | None, args: PageArgs
) -> Page:
    return await fetch_page(session, countries_query(filters), COUNTRY_ORDER, args)


async def count_countries(session: AsyncSession, filters: CountryFilter | None) -> int:
    return await count(session, countries_query(filters))


async def countries_by_codes(session: AsyncSession, codes: Sequence[str]) -> dict[str, Country]:
    rows = await session.execute(select(Country).where(col(Country.code).in_(list(codes))))
    return {c.code: c for c in rows.scalars()}


async def find_country(session: AsyncSession, key: str) -> Country | None:
    """By public ID ("country_UA") or ISO alpha-2 or alpha-3 code in any case; None when unknown."""
    code = key[len("country_") :] if key.startswith("country_") else key
    return await get_country(session, code)
