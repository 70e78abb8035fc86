"""Importing GDELT event files: GDELT 1.0 daily files (57 or 58 tab-separated columns), GDELT 2.0
event exports (61 columns), plain or zipped as GDELT publishes them.

One engagement per event, keyed by its external ID ``gdelt:<GLOBALEVENTID>``:

- kind, mode and participant roles from the CAMEO event code (db.cameo); the code itself is kept
  as ``cameo_code`` (a string, leading zeros kept);
- Actor1 and Actor2 become participants (by default INITIATOR and RECIPIENT), each resolved to,
  in order: a leader already in the database whose name or alias matches the actor's name
  (folded as db.text does; rejected when the actor's country says otherwise), the group of its
  CAMEO known-group code (found by name or alias, else created), its country (CAMEO country code
  → ISO), or for a region or bloc code (AFR, EUR, WST, ...) a group of kind OTHER for that region.
  An actor with none of these is left out and counted as unresolved;
- the event day from SQLDATE; the action location from ActionGeo (place name, coordinates, and
  the country: FIPS 10-4 → ISO);
- SOURCEURL becomes a Source (one per URL; GDELT keeps no text) and a citation of the engagement
  whose excerpt is the event's description; a source without text has no offsets to check, so
  the excerpt spans 0..len(excerpt), as db.sources.locate_excerpt requires;
- Goldstein scale, QuadClass, NumMentions, NumSources, NumArticles, AvgTone, IsRootEvent, the
  raw actor codes and the action's FIPS codes stay in ``attributes`` under GDELT's own names,
  with a fingerprint of the row.

Re-importing a file adds nothing: a row whose fingerprint is unchanged is left alone; a changed
row updates its engagement, participants and citation. An engagement's public ID is derived from
its external ID (as seed IDs are, db.ids.seed_id), so an event whose engagement was deleted is
never imported again (its ID is tombstoned).

One file is one unit: everything is written inside a SAVEPOINT of the caller's transaction, and
any failure (a bad row without ``skip_bad_rows``, a database error, a crash before commit)
leaves nothing of the file behind. A file of the wrong type or column count is refused before
anything is written (``GdeltFileError``).

Speed: the file is streamed and handled in batches (2,000 rows by default), so memory stays flat
whatever the file's size; each batch costs a handful of statements: existing external IDs and
tombstones (one SELECT each), sources (one SELECT, one INSERT ... ON CONFLICT DO NOTHING), then
one bulk INSERT per table on the session's own connection: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL, with the column types' own bind processors (see ``_Bulk``), and one SELECT for the
new keys. Actors are resolved from maps of leaders, groups and countries loaded once per file,
through bounded caches; public IDs are made a batch at a time. scripts/bench_gdelt.py measures
it against a raw loader (docs/benchmarks.md).

The change log (db.changes) is fed by an ORM hook that bulk INSERTs bypass, so the importer
writes the Change rows itself, in the same transaction: a create for every engagement,
participant, source and citation it adds, in bulk with each batch. Updates of changed rows go
through the ORM (they are rare), so the hook records them, and deletes with their tombstones. On
PostgreSQL all of them draw their sequence numbers when the file is done, not as it goes, so a
long import cannot slip in behind a change-feed reader's cursor (see ``_ChangeLog``). The
importer sends no engagementAdded notices (db.events): a file of a million events would flood
every subscriber; clients catch up through the change feed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import time
import uuid
import zipfile
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, NamedTuple, cast
from urllib.parse import urlsplit

from sqlalchemy import delete, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from db import cameo
from db.base import utcnow
from db.enums import DatePrecision, EngagementStatus, GroupKind, ParticipantRole
from db.groups import GroupCreate, create_group
from db.ids import new_id, seed_id
from db.models import (
    Change,
    Citation,
    Country,
    Engagement,
    Group,
    Leader,
    Participant,
    Source,
    Tombstone,
)
from db.text import fold

# Bump when what a row becomes changes, so a re-import rewrites rows imported by older code.
IMPORT_VERSION = 1
DEFAULT_BATCH_SIZE = 2000
MAX_REPORTED_BAD_ROWS = 1000  # kept in memory for the caller; the report file lists them all

# --- the file formats --------------------------------------------------------------------------


def _actor_columns(n: int) -> list[str]:
    return [
        f"Actor{n}{name}"
        for name in (
            "Code",
            "Name",
            "CountryCode",
            "KnownGroupCode",
            "EthnicCode",
            "Religion1Code",
            "Religion2Code",
            "Type1Code",
            "Type2Code",
            "Type3Code",
        )
    ]


def _geo_columns(prefix: str, adm2: bool) -> list[str]:
    names = ["Type", "FullName", "CountryCode", "ADM1Code", *(["ADM2Code"] if adm2 else [])]
    return [f"{prefix}_{n}" for n in (*names, "Lat", "Long", "FeatureID")]


def _columns(adm2: bool) -> tuple[str, ...]:
    return (
        "GLOBALEVENTID",
        "SQLDATE",
        "MonthYear",
        "Year",
        "FractionDate",
        *_actor_columns(1),
        *_actor_columns(2),
        "IsRootEvent",
        "EventCode",
        "EventBaseCode",
        "EventRootCode",
        "QuadClass",
        "GoldsteinScale",
        "NumMentions",
        "NumSources",
        "NumArticles",
        "AvgTone",
        *_geo_columns("Actor1Geo", adm2),
        *_geo_columns("Actor2Geo", adm2),
        *_geo_columns("ActionGeo", adm2),
        "DATEADDED",
        "SOURCEURL",
    )


@dataclass(frozen=True)
class GdeltFormat:
    """A GDELT events file layout. GDELT 1.0 rows have 58 columns (daily files since April 2013)
    or 57 (the back file: no SOURCEURL); GDELT 2.0 adds an ADM2 code to each geography: 61."""

    name: str
    columns: tuple[str, ...] = field(repr=False)
    widths: frozenset[int] = field(repr=False)

    def index(self, column: str) -> int:
        return self.columns.index(column)


GDELT1 = GdeltFormat("GDELT 1.0", _columns(adm2=False), frozenset({57, 58}))
GDELT2 = GdeltFormat("GDELT 2.0", _columns(adm2=True), frozenset({61}))
_BY_WIDTH = {57: GDELT1, 58: GDELT1, 61: GDELT2}

# Attributes kept under GDELT's own column names (empty values left out).
_NUMERIC_ATTRIBUTES = (
    "IsRootEvent",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
)
_RAW_ATTRIBUTES = (
    "EventBaseCode",
    "EventRootCode",
    *_actor_columns(1),
    *_actor_columns(2),
    "ActionGeo_Type",
    "ActionGeo_CountryCode",
    "ActionGeo_ADM1Code",
    "ActionGeo_FeatureID",
    "DATEADDED",
)


# --- errors and results ------------------------------------------------------------------------


class GdeltFileError(Exception):
    """The file is not one we can import (wrong type, column count, encoding): refused before
    anything is written. The message is one line that names the file."""


@dataclass(frozen=True)
class BadRow:
    line: int  # 1-based line number in the (unzipped) file
    field: str  # the GDELT column at fault, or "row" for the row as a whole
    reason: str
    event_id: str  # GLOBALEVENTID as written, "" when missing
    data: str  # the row as read (tab-separated)

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


class GdeltBadRowsError(Exception):
    """The file has bad rows and skipping was not asked for: nothing of it was written."""

    def __init__(self, path: Path, bad_rows: list[BadRow], count: int) -> None:
        self.path = path
        self.bad_rows = bad_rows  # the first MAX_REPORTED_BAD_ROWS
        self.count = count
        first = bad_rows[0] if bad_rows else None
        super().__init__(
            f"{path}: {count} bad row{'s' if count != 1 else ''}"
            + (f", first at {first}" if first else "")
            + "; nothing imported (use --skip-bad-rows to import the others)"
        )


@dataclass(frozen=True)
class ImportProgress:
    path: Path
    rows: int
    bytes_done: int
    bytes_total: int
    elapsed: float  # seconds since the import of this file started
    done: bool = False


ProgressCallback = Callable[[ImportProgress], None]


@dataclass
class ImportResult:
    """What one file did. ``kinds`` and ``actors`` count every valid row of the file (whether it
    was created, updated or left unchanged), so importing a file twice reports the same mix."""

    path: Path
    format: str
    rows: int = 0  # data rows read (a header line is not a row)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # bad rows left out (skip_bad_rows)
    deleted: int = 0  # events whose engagement was deleted since: not imported again
    kinds: Counter[str] = field(default_factory=Counter)
    # Per actor slot: leader, group, country, unresolved (an actor with nothing usable), absent
    # (the row names no such actor).
    actors: Counter[str] = field(default_factory=Counter)
    participants_created: int = 0
    sources_created: int = 0
    groups_created: list[str] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)  # the first MAX_REPORTED_BAD_ROWS
    report: Path | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "deleted": self.deleted,
            "kinds": dict(sorted(self.kinds.items())),
            "actors": dict(sorted(self.actors.items())),
            "participants_created": self.participants_created,
            "sources_created": self.sources_created,
            "groups_created": list(self.groups_created),
            "bad_rows": [
                {"line": b.line, "field": b.field, "reason": b.reason} for b in self.bad_rows
            ],
            "report": str(self.report) if self.report else None,
            "seconds": round(self.seconds, 3),
        }


# --- reading the file --------------------------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_SNIFF_LIMIT = 1 << 20  # a GDELT row is well under 4 KB; no line break in 1 MB means not GDELT


@dataclass(frozen=True)
class SniffResult:
    format: GdeltFormat
    has_header: bool
    bytes_total: int  # of the (unzipped) CSV
    member: str | None  # the CSV inside a zip


def _zip_member(path: Path, archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    files = [i for i in archive.infolist() if not i.is_dir()]
    if len(files) != 1:
        raise GdeltFileError(
            f"{path}: a GDELT zip holds exactly one CSV file; this one holds {len(files)}"
        )
    return files[0]


@contextmanager
def _open_csv(path: Path) -> Iterator[tuple[IO[bytes], int, str | None]]:
    """The file's bytes (unzipped when it is a zip), their size and the zip member's name."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise GdeltFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise GdeltFileError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise GdeltFileError(f"{path}: cannot be read (permission denied)") from None
    with raw:
        if raw.read(4) != _ZIP_MAGIC:
            raw.seek(0)
            yield raw, os.fstat(raw.fileno()).st_size, None
            return
        try:
            archive = zipfile.ZipFile(raw)
        except zipfile.BadZipFile as exc:
            raise GdeltFileError(f"{path}: not a readable zip file ({exc})") from None
        with archive:
            info = _zip_member(path, archive)
            with archive.open(info) as member:
                buffered = io.BufferedReader(cast(Any, member), 1 << 20)
                yield buffered, info.file_size, info.filename


def _describe_widths() -> str:
    return "57 or 58 (GDELT 1.0) or 61 (GDELT 2.0)"


def sniff_gdelt_file(path: Path) -> SniffResult:
    """Check that ``path`` is a GDELT events file we can import, from its first line(s), before
    anything is written: raises GdeltFileError with a one-line reason otherwise."""
    path = Path(path)
    with _open_csv(path) as (stream, size, member):
        try:
            first = stream.readline(_SNIFF_LIMIT)
            second = stream.readline(_SNIFF_LIMIT) if first else b""
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise GdeltFileError(f"{path}: cannot be read ({exc})") from None
    name = f"{path}" + (f" ({member})" if member else "")
    if not first:
        raise GdeltFileError(f"{name}: is empty, not a GDELT events file")
    if b"\0" in first or b"\0" in second:
        raise GdeltFileError(f"{name}: is a binary file, not a GDELT events file")
    if not first.endswith(b"\n") and len(first) >= _SNIFF_LIMIT:
        raise GdeltFileError(f"{name}: has no line break in its first 1 MB: not a GDELT file")
    line, has_header = first, False
    try:
        fields = first.decode("utf-8").rstrip("\r\n").split("\t")
    except UnicodeDecodeError:
        raise GdeltFileError(f"{name}: is not UTF-8 text: not a GDELT events file") from None
    if fields[0].strip().upper() == "GLOBALEVENTID":  # a header line, as BigQuery exports have
        has_header = True
        if not second:
            raise GdeltFileError(f"{name}: has a header line but no events")
        line = second
        try:
            data = second.decode("utf-8").rstrip("\r\n").split("\t")
        except UnicodeDecodeError:
            raise GdeltFileError(f"{name}: line 2 is not UTF-8 text") from None
        header_format = _BY_WIDTH.get(len(fields))
        if header_format is None or _BY_WIDTH.get(len(data)) is not header_format:
            raise GdeltFileError(
                f"{name}: the header has {len(fields)} columns but line 2 has {len(data)}"
            )
        fields = data
    width = len(fields)
    fmt = _BY_WIDTH.get(width)
    if fmt is None:
        hint = " (it is not tab-separated)" if width == 1 and b"," in line else ""
        raise GdeltFileError(
            f"{name}: has {width} column{'s' if width != 1 else ''} on line "
            f"{2 if has_header else 1}{hint}; a GDELT events file has {_describe_widths()}"
        )
    event_id, day = fields[0], fields[1]
    if not (event_id.isdigit() and len(day) == 8 and day.isdigit()):
        raise GdeltFileError(
            f"{name}: line {2 if has_header else 1} does not start with a GLOBALEVENTID and a "
            f"SQLDATE (YYYYMMDD): not a GDELT events file"
        )
    return SniffResult(fmt, has_header, size, member)


# --- parsing one row ---------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


class ActorFields(NamedTuple):
    """An actor as GDELT gives it (a tuple: hashed in C, it keys the resolver's cache)."""

    code: str
    name: str
    country: str
    known_group: str

    @property
    def present(self) -> bool:
        return bool(self.code or self.name or self.country or self.known_group)


@dataclass(slots=True)
class Event:
    """A parsed row, ready to write."""

    line: int
    event_id: int
    external_id: str
    fingerprint: str
    day: date
    code: str
    actor1: ActorFields
    actor2: ActorFields
    place: str | None
    fips: str
    latitude: float | None
    longitude: float | None
    url: str | None
    attributes: dict[str, Any]


_day_cache: dict[str, date] = {}


def _day(value: str) -> date:
    cached = _day_cache.get(value)
    if cached is not None:
        return cached
    if len(value) != 8 or not value.isdigit():
        raise _Bad("SQLDATE", f"{value!r} is not a date (YYYYMMDD)")
    try:
        parsed = date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise _Bad("SQLDATE", f"{value!r} is not a date (YYYYMMDD)") from None
    if len(_day_cache) < 100_000:
        _day_cache[value] = parsed
    return parsed


def _number(column: str, value: str, whole: bool, low: float, high: float) -> int | float | None:
    if value == "":
        return None
    try:
        number: int | float = int(value) if whole else float(value)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise _Bad(column, f"{value!r} is not {kind}") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise _Bad(column, f"{value!r} is out of range ({low:g} to {high:g})")
    return number


_LIMITS: dict[str, tuple[bool, float, float]] = {
    "IsRootEvent": (True, 0, 1),
    "QuadClass": (True, 1, 4),
    "GoldsteinScale": (False, -10, 10),
    "NumMentions": (True, 0, 1e12),
    "NumSources": (True, 0, 1e12),
    "NumArticles": (True, 0, 1e12),
    "AvgTone": (False, -100, 100),
}


class _Parser:
    """Turns the fields of one row into an Event (or raises _Bad naming the column)."""

    def __init__(self, fmt: GdeltFormat) -> None:
        self.fmt = fmt
        self.dataset = fmt.name
        ix = fmt.index
        self.i_date = ix("SQLDATE")
        self.i_code = ix("EventCode")
        self.i_actor = [
            (ix(f"Actor{n}Code"), ix(f"Actor{n}Name"), ix(f"Actor{n}CountryCode")) for n in (1, 2)
        ]
        self.i_known = [ix(f"Actor{n}KnownGroupCode") for n in (1, 2)]
        self.i_geo_type = ix("ActionGeo_Type")
        self.i_place = ix("ActionGeo_FullName")
        self.i_fips = ix("ActionGeo_CountryCode")
        self.i_lat = ix("ActionGeo_Lat")
        self.i_long = ix("ActionGeo_Long")
        self.i_url = ix("SOURCEURL")
        self.numeric = [(name, ix(name), *_LIMITS[name]) for name in _NUMERIC_ATTRIBUTES]
        self.raw = [(name, ix(name)) for name in _RAW_ATTRIBUTES]

    def parse(self, line: int, fields: list[str], raw: bytes) -> Event:
        event_id_text = fields[0]
        if not event_id_text.isdigit():
            raise _Bad("GLOBALEVENTID", f"{event_id_text!r} is not a positive whole number")
        event_id = int(event_id_text)
        day = _day(fields[self.i_date])
        code = fields[self.i_code]
        if not cameo.is_event_code(code):
            raise _Bad("EventCode", f"{code!r} is not a CAMEO event code")
        attributes: dict[str, Any] = {"dataset": self.dataset, "GLOBALEVENTID": event_id}
        for name, index, whole, low, high in self.numeric:
            number = _number(name, fields[index], whole, low, high)
            if number is not None:
                attributes[name] = number
        for name, index in self.raw:  # all before SOURCEURL: present in every width
            value = fields[index]
            if value:
                attributes[name] = value
        actors = []
        for (i_code, i_name, i_country), i_known in zip(self.i_actor, self.i_known, strict=True):
            actors.append(
                ActorFields(fields[i_code], fields[i_name], fields[i_country], fields[i_known])
            )
        geo_type = fields[self.i_geo_type]
        place: str | None = None
        latitude = longitude = None
        fips = ""
        if geo_type not in ("", "0"):
            place = fields[self.i_place].strip() or None
            fips = fields[self.i_fips]
            lat = _number("ActionGeo_Lat", fields[self.i_lat], False, -90, 90)
            lon = _number("ActionGeo_Long", fields[self.i_long], False, -180, 180)
            latitude = None if lat is None else float(lat)
            longitude = None if lon is None else float(lon)
            if place is not None and len(place) > 300:
                raise _Bad("ActionGeo_FullName", "is longer than 300 characters")
        url = fields[self.i_url].strip() if self.i_url < len(fields) else ""
        if len(url) > 2000:
            raise _Bad("SOURCEURL", "is longer than 2000 characters")
        digest = hashlib.blake2b(raw, digest_size=10).hexdigest()
        fingerprint = f"{IMPORT_VERSION}:{digest}"
        attributes["fingerprint"] = fingerprint
        return Event(
            line=line,
            event_id=event_id,
            external_id=f"gdelt:{event_id}",
            fingerprint=fingerprint,
            day=day,
            code=code,
            actor1=actors[0],
            actor2=actors[1],
            place=place,
            fips=fips,
            latitude=latitude,
            longitude=longitude,
            url=url or None,
            attributes=attributes,
        )


def _actor_label(actor: ActorFields) -> str:
    return actor.name or actor.code or actor.known_group or actor.country


def _title_parts(event: Event) -> tuple[str, list[str]]:
    """The title and the words-bearing parts it is made of (separators fold to nothing)."""
    label = cameo.event_label(event.code)
    a1, a2 = _actor_label(event.actor1), _actor_label(event.actor2)
    if a1 and a2:
        return f"{a1} → {a2}: {label}", [a1, a2, label]
    if a1:
        return f"{a1}: {label}", [a1, label]
    if a2:
        return f"Unnamed actor → {a2}: {label}", ["Unnamed actor", a2, label]
    return label, [label]


def event_title(event: Event) -> str:
    """``VLADIMIR PUTIN → TURKEY: Make a visit`` (GDELT's actor names, the CAMEO label)."""
    title, _ = _title_parts(event)
    return title if len(title) <= 500 else title[:499] + "…"


@lru_cache(maxsize=65536)
def _fold_part(text: str) -> str:
    return fold(text)


def event_search_text(event: Event) -> str:
    """``fold(title + " " + place)``, as db.engagements.refresh_engagement_search computes it,
    from cached folds of the parts: folding works character by character (anyascii) and then
    word by word, and the parts are separated by non-word characters, so the folded parts,
    joined, are the folded whole. Names, labels and places repeat across rows; titles do not."""
    title, parts = _title_parts(event)
    if len(title) > 500:
        return fold(f"{event_title(event)} {event.place or ''}")
    folded = [_fold_part(p) for p in (*parts, event.place or "")]
    return " ".join(f for f in folded if f)


def citation_excerpt(event: Event, title: str) -> str:
    return f"GDELT event {event.event_id} (CAMEO {event.code}): {title}"


# --- resolving actors --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    how: str  # leader, group, country, unresolved
    leader_id: int | None = None
    country_code: str | None = None
    group_id: int | None = None


_UNRESOLVED = Resolved("unresolved")
_ACTOR_CACHE_LIMIT = 100_000


class _Resolver:
    """Actors → leaders, groups and countries, from maps loaded once per file and caches."""

    def __init__(self, session: AsyncSession, result: ImportResult) -> None:
        self.session = session
        self.result = result
        self.leaders: dict[str, tuple[int, str | None]] = {}
        self.group_names: dict[str, int] = {}
        self.countries: set[str] = set()
        self.groups_by_code: dict[str, int | None] = {}
        self.cache: dict[ActorFields, Resolved] = {}
        self.changelog: _ChangeLog | None = None

    async def load(self) -> None:
        leaders = await self.session.execute(
            select(col(Leader.id), col(Leader.search_names), col(Leader.country_code)).order_by(
                col(Leader.id)
            )
        )
        for leader_id, names, country in leaders:
            for key in names.strip("|").split("|"):
                if key:
                    self.leaders.setdefault(key, (cast(int, leader_id), country))
        groups = await self.session.execute(
            select(col(Group.id), col(Group.search_names)).order_by(col(Group.id))
        )
        for group_id, names in groups:
            self._remember_group(cast(int, group_id), names)
        codes = await self.session.execute(select(col(Country.code)))
        self.countries = {code for (code,) in codes}

    def _remember_group(self, group_id: int, names: str) -> None:
        for key in names.strip("|").split("|"):
            if key:
                self.group_names.setdefault(key, group_id)

    async def _group(self, code: str, *, region: bool) -> int | None:
        key = ("region:" if region else "") + code
        if key in self.groups_by_code:
            return self.groups_by_code[key]
        name: str
        aliases: tuple[str, ...]
        kind: GroupKind
        if region:
            name, aliases, kind = cameo.REGIONS[code], (), GroupKind.OTHER
            description = (
                f"{name}: a world region or bloc, not a country (CAMEO actor code {code}). "
                "Created by the GDELT importer."
            )
            public_id = seed_id("group", f"cameo-region:{code}")
        else:
            known = cameo.KNOWN_GROUPS[code]
            name, aliases, kind = known.name, known.aliases, known.kind
            description = f"{name} (CAMEO known group {code}). Created by the GDELT importer."
            public_id = seed_id("group", f"cameo:{code}")
        group_id: int | None = None
        for candidate in (name, *aliases):
            group_id = self.group_names.get(fold(candidate))
            if group_id is not None:
                break
        if group_id is None:
            group_id = await self._create_group(public_id, name, list(aliases), kind, description)
        self.groups_by_code[key] = group_id
        return group_id

    async def _create_group(
        self, public_id: str, name: str, aliases: list[str], kind: GroupKind, description: str
    ) -> int | None:
        session = self.session
        existing = await session.execute(
            select(col(Group.id)).where(col(Group.public_id) == public_id)
        )
        found = existing.scalar_one_or_none()
        if found is not None:  # created by an earlier import, and renamed since
            return int(found)
        if await session.get(Tombstone, public_id) is not None:
            return None  # deleted by someone: not ours to bring back
        group = await create_group(
            session,
            GroupCreate(
                public_id=public_id, name=name, aliases=aliases, kind=kind, description=description
            ),
        )
        if self.changelog is not None:
            await self.changelog.adopt()
        assert group.id is not None
        self._remember_group(group.id, group.search_names)
        self.result.groups_created.append(name)
        session.expunge(group)
        return group.id

    async def resolve(self, actor: ActorFields) -> Resolved:
        hit = self.cache.get(actor)
        if hit is not None:
            return hit
        resolved = await self._resolve(actor)
        if len(self.cache) >= _ACTOR_CACHE_LIMIT:
            self.cache.clear()
        self.cache[actor] = resolved
        return resolved

    async def _resolve(self, actor: ActorFields) -> Resolved:
        iso = cameo.cameo_country(actor.country) if actor.country else None
        if actor.name:
            leader = self.leaders.get(fold(actor.name))
            # A namesake from another country is not our leader.
            if leader is not None and (iso is None or leader[1] in (None, iso)):
                return Resolved("leader", leader_id=leader[0])
        group_code = cameo.known_group_code(actor.known_group, actor.code)
        if group_code is not None:
            group_id = await self._group(group_code, region=False)
            if group_id is not None:
                return Resolved("group", group_id=group_id)
        if iso is not None and iso in self.countries:
            return Resolved("country", country_code=iso)
        if actor.country in cameo.REGIONS:
            group_id = await self._group(actor.country, region=True)
            if group_id is not None:
                return Resolved("group", group_id=group_id)
        return _UNRESOLVED


# --- writing -----------------------------------------------------------------------------------

# Public IDs, made many at a time. The same IDs as db.ids makes (a test holds them equal), only
# cheaper: db.ids.new_id builds a uuid.UUID and divides a 128-bit integer 26 times per ID, which
# costs more than the rest of a row; here the random bytes of a whole batch come from one
# os.urandom call and each ID is encoded 10 bits at a time.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # db.ids._ALPHABET
_PAIRS = [_ALPHABET[i >> 5] + _ALPHABET[i & 31] for i in range(1024)]
_SEED_NAMESPACE = uuid.UUID("6f0e4b52-8b0e-4f4e-9a53-1d2c0de0c5a1").bytes  # db.ids'
_VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))


def _token(value: int) -> str:
    """db.ids._encode: 26 base-32 digits of a 128-bit number, most significant first."""
    pairs = _PAIRS
    high, low = value >> 65, value & 0x1FFFFFFFFFFFFFFFF
    return (
        pairs[high >> 55]
        + pairs[(high >> 45) & 1023]
        + pairs[(high >> 35) & 1023]
        + pairs[(high >> 25) & 1023]
        + pairs[(high >> 15) & 1023]
        + pairs[(high >> 5) & 1023]
        + _ALPHABET[high & 31]
        + pairs[low >> 55]
        + pairs[(low >> 45) & 1023]
        + pairs[(low >> 35) & 1023]
        + pairs[(low >> 25) & 1023]
        + pairs[(low >> 15) & 1023]
        + pairs[(low >> 5) & 1023]
        + _ALPHABET[low & 31]
    )


def new_ids(prefix: str, count: int) -> list[str]:
    """``count`` fresh IDs, as db.ids.new_id makes them (random version-4 UUIDs)."""
    data = os.urandom(16 * count)
    version = (4 << 76) | (0x8000 << 48)
    return [
        f"{prefix}_{_token((int.from_bytes(data[i : i + 16]) & _VERSION_MASK) | version)}"
        for i in range(0, 16 * count, 16)
    ]


def stable_id(prefix: str, key: str) -> str:
    """db.ids.seed_id: the ID derived from a stable key (a version-5 UUID)."""
    digest = hashlib.sha1(_SEED_NAMESPACE + f"{prefix}:{key}".encode()).digest()[:16]
    version = (5 << 76) | (0x8000 << 48)
    return f"{prefix}_{_token((int.from_bytes(digest) & _VERSION_MASK) | version)}"


_E = Engagement.__table__  # type: ignore[attr-defined]
_P = Participant.__table__  # type: ignore[attr-defined]
_S = Source.__table__  # type: ignore[attr-defined]
_C = Citation.__table__  # type: ignore[attr-defined]
_CH = Change.__table__  # type: ignore[attr-defined]
_T = Tombstone.__table__  # type: ignore[attr-defined]
_IN_CHUNK = 1000  # values per IN (...) list


def _chunks(values: list[Any], size: int = _IN_CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Bulk:
    """Many rows into one table on the session's own connection and transaction, at driver
    speed: ``executemany`` of one prepared INSERT on SQLite, ``COPY`` on PostgreSQL (asyncpg).
    Values go through the column types' own bind processors (``db_value``), so the stored
    form is exactly what SQLAlchemy writes; enum columns take their string values as they are."""

    def __init__(self, conn: AsyncConnection, table: Any, columns: tuple[str, ...]) -> None:
        dialect = conn.dialect
        self.conn = conn
        self.table = table
        self.columns = columns
        self.postgres = dialect.name == "postgresql"
        quote = dialect.identifier_preparer.quote
        self.quoted = quote(table.name)
        self.sql = (
            f"INSERT INTO {self.quoted} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        self.processors: dict[str, Callable[[Any], Any] | None] = {
            c: table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns
        }

    def db_value(self, column: str) -> Callable[[Any], Any]:
        processor = self.processors[column]
        return processor if processor is not None else _same

    async def _driver(self) -> Any:
        raw = await self.conn.get_raw_connection()
        return raw.driver_connection

    async def insert(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        driver = await self._driver()
        if self.postgres:
            await driver.copy_records_to_table(
                self.table.name, records=rows, columns=list(self.columns)
            )
        else:
            await driver.executemany(self.sql, rows)

    async def insert_with_keys(self, rows: list[tuple[Any, ...]]) -> list[int] | None:
        """Insert, and return the new rows' keys in order, without a lookup per row:
        PostgreSQL allocates them from the table's sequence first (one statement); SQLite gives
        the rows of one INSERT consecutive rowids (each max + 1, and this transaction holds the
        write lock), checked at both ends. None if that check fails (the caller looks them up).
        The first column of ``rows`` must be the public ID."""
        if not rows:
            return []
        driver = await self._driver()
        name, count = self.table.name, len(rows)
        if self.postgres:
            allocated = await driver.fetch(
                "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
                name,
                count,
            )
            keys = [int(r[0]) for r in allocated]
            await driver.copy_records_to_table(
                name,
                records=[(key, *row) for key, row in zip(keys, rows, strict=True)],
                columns=["id", *self.columns],
            )
            return keys
        await driver.executemany(self.sql, rows)
        cursor = await driver.execute("SELECT last_insert_rowid()")
        last = int((await cursor.fetchone())[0])
        first = last - count + 1
        cursor = await driver.execute(
            f"SELECT id, public_id FROM {self.quoted} WHERE id IN (?, ?)", (first, last)
        )
        ends = dict(await cursor.fetchall())
        if ends.get(first) != rows[0][0] or ends.get(last) != rows[-1][0]:
            return None
        return list(range(first, last + 1))


def _same(value: Any) -> Any:
    return value


_ENGAGEMENT_COLUMNS = (
    "public_id",
    "created_at",
    "updated_at",
    "kind",
    "mode",
    "status",
    "title",
    "summary",
    "start_date",
    "end_date",
    "date_precision",
    "location_country_code",
    "location_place",
    "latitude",
    "longitude",
    "cameo_code",
    "external_id",
    "attributes",
    "search_text",
)
_PARTICIPANT_COLUMNS = (
    "public_id",
    "created_at",
    "updated_at",
    "engagement_id",
    "leader_id",
    "country_code",
    "group_id",
    "role",
)
_CITATION_COLUMNS = (
    "public_id",
    "created_at",
    "updated_at",
    "source_id",
    "engagement_id",
    "excerpt",
    "start_offset",
    "end_offset",
)
_CHANGE_COLUMNS = ("public_id", "type", "op", "changed_at")


@dataclass(slots=True)
class _Prepared:
    """An event with everything resolved, ready to become rows."""

    event: Event
    kind: str
    mode: str | None
    title: str
    country: str | None
    participants: list[tuple[ParticipantRole, Resolved]]
    search_text: str

    def engagement_values(self) -> dict[str, Any]:
        event = self.event
        return {
            "kind": self.kind,
            "mode": self.mode,
            "status": EngagementStatus.HELD.value,
            "title": self.title,
            "summary": None,
            "start_date": event.day,
            "end_date": None,
            "date_precision": DatePrecision.DAY.value,
            "location_country_code": self.country,
            "location_place": event.place,
            "latitude": event.latitude,
            "longitude": event.longitude,
            "cameo_code": event.code,
            "external_id": event.external_id,
            "attributes": event.attributes,
            "search_text": self.search_text,
        }


class _Sources:
    """URL → source ID, with a bounded cache (GDELT rows of one article come together)."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self.cache: OrderedDict[str, int] = OrderedDict()

    def get(self, url: str) -> int | None:
        source_id = self.cache.get(url)
        if source_id is not None:
            self.cache.move_to_end(url)
        return source_id

    def put(self, url: str, source_id: int) -> None:
        self.cache[url] = source_id
        if len(self.cache) > self.LIMIT:
            self.cache.popitem(last=False)


def _source_row(url: str, now: datetime) -> dict[str, Any]:
    host = urlsplit(url).hostname if "://" in url else None
    publisher = host[4:] if host and host.startswith("www.") else host
    return {
        "public_id": new_id("source"),
        "created_at": now,
        "updated_at": now,
        "title": url if len(url) <= 500 else url[:499] + "…",
        "publisher": publisher[:200] if publisher else None,
        "url": url,
        "language": None,
        "published_at": None,
        "licence": None,
        "text": None,
    }


class _ChangeLog:
    """The Change rows of an import (see the module's docstring).

    SQLite: straight into ``change``, a bulk INSERT per batch. Its one writer at a time means no
    other transaction can commit a change while the import's transaction is open, so the
    sequence numbers it draws early still come after everything a feed reader has seen.

    PostgreSQL: other transactions commit while a long import runs, and a sequence number is
    drawn when a row is inserted, not when it commits; a feed reader whose cursor moved past a
    concurrent writer's number would never see the import's lower ones (db.feed's settle window
    covers transactions of milliseconds, not minutes). So the rows wait in a temporary table
    (COPY, per batch) and move into ``change`` in one INSERT ... SELECT when the file is done,
    drawing their numbers and time just before the caller commits. The few Change rows the ORM
    hook writes for the importer (updated rows, deletes, groups created) are moved there too,
    right after their flush (``adopt``; an after_flush listener on the session collects them)."""

    TABLE = "gdelt_import_changes"

    def __init__(self, session: AsyncSession, conn: AsyncConnection) -> None:
        self.session = session
        self.conn = conn
        self.staged = conn.dialect.name == "postgresql"
        self.direct = _Bulk(conn, _CH, _CHANGE_COLUMNS)
        self.db_now = self.direct.db_value("changed_at")
        self.hooked: list[Change] = []
        self.listening = False

    async def start(self) -> None:
        if self.staged:
            await self.conn.execute(
                text(
                    f"CREATE TEMPORARY TABLE {self.TABLE} (ord bigserial, public_id varchar(40), "
                    "type varchar(32), op varchar(8)) ON COMMIT DROP"
                )
            )
            event.listen(self.session.sync_session, "after_flush", self._collect)
            self.listening = True

    async def add(self, changes: list[tuple[str, str, str]], now: datetime) -> None:
        """(public ID, type, op) rows, in order."""
        if not changes:
            return
        if self.staged:
            driver = await self.direct._driver()
            await driver.copy_records_to_table(
                self.TABLE, records=changes, columns=["public_id", "type", "op"]
            )
        else:
            db_now = self.db_now(now)
            await self.direct.insert([(pid, kind, op, db_now) for pid, kind, op in changes])

    def _collect(self, session: Any, _context: Any) -> None:
        """after_flush: the Change rows the ORM hook has just written for the importer."""
        self.hooked.extend(o for o in session.new if isinstance(o, Change))

    async def adopt(self) -> None:
        """Move the Change rows the ORM hook wrote (since the last call) into the staging
        table, after an ORM flush of the importer's."""
        new, self.hooked = self.hooked, []
        if not new:
            return
        await self.conn.execute(delete(_CH).where(_CH.c.seq.in_([o.seq for o in new])))
        await self.add([(o.public_id, o.type, o.op) for o in new], utcnow())
        for o in new:
            if o in self.session:
                self.session.expunge(o)

    def close(self) -> None:
        if self.listening:
            event.remove(self.session.sync_session, "after_flush", self._collect)
            self.listening = False

    async def finish(self) -> None:
        if self.staged:
            await self.conn.execute(
                text(
                    "INSERT INTO change (public_id, type, op, changed_at) "
                    f"SELECT public_id, type, op, :now FROM {self.TABLE} ORDER BY ord"
                ),
                {"now": utcnow()},
            )
            await self.conn.execute(text(f"DROP TABLE {self.TABLE}"))


class _Writer:
    def __init__(
        self,
        session: AsyncSession,
        conn: AsyncConnection,
        result: ImportResult,
        changelog: _ChangeLog,
    ) -> None:
        self.session = session
        self.conn = conn
        self.result = result
        self.changelog = changelog
        self.sources = _Sources()
        dialect = conn.dialect.name
        self.insert_ignore: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.engagements = _Bulk(conn, _E, _ENGAGEMENT_COLUMNS)
        self.participants = _Bulk(conn, _P, _PARTICIPANT_COLUMNS)
        self.citations = _Bulk(conn, _C, _CITATION_COLUMNS)
        self.db_date = self.engagements.db_value("start_date")
        self.db_json = self.engagements.db_value("attributes")
        self.db_dates: dict[date, Any] = {}

    async def _source_ids(
        self, urls: set[str], now: datetime, changes: list[tuple[str, str]]
    ) -> None:
        missing = [u for u in urls if self.sources.get(u) is None]
        if not missing:
            return
        for chunk in _chunks(missing):
            rows = await self.conn.execute(select(_S.c.id, _S.c.url).where(_S.c.url.in_(chunk)))
            for source_id, url in rows:
                self.sources.put(url, source_id)
        new = [u for u in missing if self.sources.get(u) is None]
        if not new:
            return
        rows_to_add = [_source_row(u, now) for u in new]
        statement = (
            self.insert_ignore(_S)
            .on_conflict_do_nothing(index_elements=["url"])
            .returning(_S.c.id, _S.c.url, _S.c.public_id)
        )
        added = await self.conn.execute(statement, rows_to_add)
        for source_id, url, public_id in added:
            self.sources.put(url, source_id)
            changes.append(_change(public_id, "source"))
            self.result.sources_created += 1
        late = [u for u in new if self.sources.get(u) is None]  # added by someone else meanwhile
        for chunk in _chunks(late):
            rows = await self.conn.execute(select(_S.c.id, _S.c.url).where(_S.c.url.in_(chunk)))
            for source_id, url in rows:
                self.sources.put(url, source_id)

    async def write(self, batch: list[_Prepared]) -> None:
        conn, result = self.conn, self.result
        now = utcnow()
        changes: list[tuple[str, str]] = []

        existing: dict[str, tuple[int, str | None]] = {}
        external_ids = [p.event.external_id for p in batch]
        for chunk in _chunks(external_ids):
            rows = await conn.execute(
                select(_E.c.external_id, _E.c.id, _E.c.attributes["fingerprint"].as_string()).where(
                    _E.c.external_id.in_(chunk)
                )
            )
            for external_id, engagement_id, fingerprint in rows:
                existing[external_id] = (engagement_id, fingerprint)

        fresh: list[_Prepared] = []
        changed: list[tuple[int, _Prepared]] = []
        for prepared in batch:
            found = existing.get(prepared.event.external_id)
            if found is None:
                fresh.append(prepared)
            elif found[1] == prepared.event.fingerprint:
                result.unchanged += 1
            else:
                changed.append((found[0], prepared))

        public_ids = {
            p.event.external_id: stable_id("engagement", p.event.external_id) for p in fresh
        }
        if fresh:
            tombstoned: set[str] = set()
            for chunk in _chunks(list(public_ids.values())):
                rows = await conn.execute(select(_T.c.public_id).where(_T.c.public_id.in_(chunk)))
                tombstoned.update(pid for (pid,) in rows)
            if tombstoned:
                result.deleted += sum(
                    1 for p in fresh if public_ids[p.event.external_id] in tombstoned
                )
                fresh = [p for p in fresh if public_ids[p.event.external_id] not in tombstoned]

        urls = {p.event.url for p in fresh if p.event.url}
        urls.update(p.event.url for _, p in changed if p.event.url)
        if urls:
            await self._source_ids(urls, now, changes)

        if fresh:
            await self._create(fresh, public_ids, now, changes)
        if changed:
            await self._update(changed)
        await self.changelog.add([(pid, kind, "create") for pid, kind in changes], now)

    async def _create(
        self,
        fresh: list[_Prepared],
        public_ids: dict[str, str],
        now: datetime,
        changes: list[tuple[str, str]],
    ) -> None:
        conn, result = self.conn, self.result
        db_now = self.engagements.db_value("created_at")(now)
        db_dates, db_date, db_json = self.db_dates, self.db_date, self.db_json
        held, day = EngagementStatus.HELD.value, DatePrecision.DAY.value
        engagement_rows = []
        for prepared in fresh:
            event = prepared.event
            day_value = db_dates.get(event.day)
            if day_value is None:
                day_value = db_dates[event.day] = db_date(event.day)
            public_id = public_ids[event.external_id]
            engagement_rows.append(
                (
                    public_id,
                    db_now,
                    db_now,
                    prepared.kind,
                    prepared.mode,
                    held,
                    prepared.title,
                    None,
                    day_value,
                    None,
                    day,
                    prepared.country,
                    event.place,
                    event.latitude,
                    event.longitude,
                    event.code,
                    event.external_id,
                    db_json(event.attributes),
                    prepared.search_text,
                )
            )
            changes.append((public_id, "engagement"))
        # The new keys come back in order without a lookup per row (an INSERT ... RETURNING of
        # many rows in order runs one statement per row on SQLite); else by external ID.
        inserted = await self.engagements.insert_with_keys(engagement_rows)
        keys: dict[str, int] = {}
        if inserted is not None:
            keys = {p.event.external_id: key for p, key in zip(fresh, inserted, strict=True)}
        else:
            for chunk in _chunks([p.event.external_id for p in fresh]):
                rows = await conn.execute(
                    select(_E.c.external_id, _E.c.id).where(_E.c.external_id.in_(chunk))
                )
                keys.update((external_id, engagement_id) for external_id, engagement_id in rows)
        participant_rows: list[tuple[Any, ...]] = []
        citation_rows: list[tuple[Any, ...]] = []
        participant_ids = iter(new_ids("participant", sum(len(p.participants) for p in fresh)))
        citation_ids = iter(new_ids("citation", sum(1 for p in fresh if p.event.url)))
        for prepared in fresh:
            event = prepared.event
            engagement_id = keys[event.external_id]
            for role, actor in prepared.participants:
                pid = next(participant_ids)
                participant_rows.append(
                    (
                        pid,
                        db_now,
                        db_now,
                        engagement_id,
                        actor.leader_id,
                        actor.country_code,
                        actor.group_id,
                        role.value,
                    )
                )
                changes.append((pid, "participant"))
            if event.url:
                excerpt = citation_excerpt(event, prepared.title)
                cid = next(citation_ids)
                citation_rows.append(
                    (
                        cid,
                        db_now,
                        db_now,
                        self.sources.get(event.url),
                        engagement_id,
                        excerpt,
                        0,
                        len(excerpt),
                    )
                )
                changes.append((cid, "citation"))
        await self.participants.insert(participant_rows)
        await self.citations.insert(citation_rows)
        result.created += len(fresh)
        result.participants_created += len(participant_rows)

    async def _update(self, changed: list[tuple[int, _Prepared]]) -> None:
        """Rewrite changed rows through the ORM (rare), so the change hook records updates,
        deletes and tombstones; participants and the import's citation (the engagement's first)
        keep their IDs where they still apply."""
        session, result = self.session, self.result
        ids = [engagement_id for engagement_id, _ in changed]
        engagements = {
            e.id: e
            for e in (
                await session.execute(select(Engagement).where(col(Engagement.id).in_(ids)))
            ).scalars()
        }
        participants: dict[int, list[Participant]] = {i: [] for i in ids}
        for p in (
            await session.execute(
                select(Participant)
                .where(col(Participant.engagement_id).in_(ids))
                .order_by(col(Participant.id))
            )
        ).scalars():
            participants[p.engagement_id].append(p)
        citations: dict[int, Citation] = {}
        for c in (
            await session.execute(
                select(Citation)
                .where(col(Citation.engagement_id).in_(ids))
                .order_by(col(Citation.id))
            )
        ).scalars():
            if c.engagement_id is not None:
                citations.setdefault(c.engagement_id, c)
        touched: list[Any] = [*engagements.values()]
        for engagement_id, prepared in changed:
            engagement = engagements[engagement_id]
            for name, value in prepared.engagement_values().items():
                if getattr(engagement, name) != value:
                    setattr(engagement, name, value)
            touched.extend(await self._update_participants(engagement_id, prepared, participants))
            touched.extend(await self._update_citation(engagement_id, prepared, citations))
        await session.flush()
        await self.changelog.adopt()
        for obj in touched:
            if obj in session:  # deleted rows have left the session already
                session.expunge(obj)
        result.updated += len(changed)

    async def _update_participants(
        self, engagement_id: int, prepared: _Prepared, existing: dict[int, list[Participant]]
    ) -> list[Any]:
        session = self.session
        old = list(existing[engagement_id])
        wanted = list(prepared.participants)
        touched: list[Any] = list(old)

        def same(p: Participant, role: ParticipantRole, actor: Resolved) -> bool:
            return (p.role, p.leader_id, p.country_code, p.group_id) == (
                role,
                actor.leader_id,
                actor.country_code,
                actor.group_id,
            )

        keep = []
        for role, actor in wanted:
            match = next((p for p in old if same(p, role, actor)), None)
            if match is not None:
                old.remove(match)
            else:
                keep.append((role, actor))
        for role, actor in keep:
            if old:
                reuse = old.pop(0)
                reuse.role = role
                reuse.leader_id = actor.leader_id
                reuse.country_code = actor.country_code
                reuse.group_id = actor.group_id
            else:
                new = Participant(
                    public_id=new_id("participant"),
                    engagement_id=engagement_id,
                    role=role,
                    leader_id=actor.leader_id,
                    country_code=actor.country_code,
                    group_id=actor.group_id,
                )
                session.add(new)
                touched.append(new)
                self.result.participants_created += 1
        for gone in old:
            await session.delete(gone)
        return touched

    async def _update_citation(
        self, engagement_id: int, prepared: _Prepared, citations: dict[int, Citation]
    ) -> list[Any]:
        session = self.session
        citation = citations.get(engagement_id)
        url = prepared.event.url
        if url is None:
            if citation is not None:
                await session.delete(citation)
            return [citation] if citation is not None else []
        excerpt = citation_excerpt(prepared.event, prepared.title)
        source_id = self.sources.get(url)
        assert source_id is not None
        if citation is None:
            citation = Citation(
                public_id=new_id("citation"),
                source_id=source_id,
                engagement_id=engagement_id,
                excerpt=excerpt,
                start_offset=0,
                end_offset=len(excerpt),
            )
            session.add(citation)
        elif (citation.source_id, citation.excerpt) != (source_id, excerpt):
            citation.source_id = source_id
            citation.excerpt = excerpt
            citation.start_offset = 0
            citation.end_offset = len(excerpt)
        return [citation]


def _change(public_id: str, kind: str) -> tuple[str, str]:
    return (public_id, kind)


# --- the import --------------------------------------------------------------------------------


class _Report:
    """Bad rows, as CSV: line, GLOBALEVENTID, field, reason and the row itself. Written to a
    temporary file beside the target and moved into place when the import ends."""

    HEADER = ("line", "globaleventid", "field", "reason", "row")

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp") if path else None
        self.file: IO[str] | None = None
        self.writer: Any = None
        if self.tmp is not None:
            self.file = open(self.tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self.writer = csv.writer(self.file, lineterminator="\n")
            self.writer.writerow(self.HEADER)

    def add(self, bad: BadRow) -> None:
        if self.writer is not None:
            self.writer.writerow((bad.line, bad.event_id, bad.field, bad.reason, bad.data))

    def finish(self, keep: bool) -> None:
        if self.file is None or self.tmp is None or self.path is None:
            return
        self.file.close()
        if keep:
            os.replace(self.tmp, self.path)
        else:
            with suppress(FileNotFoundError):
                self.tmp.unlink()


def default_report_path(path: Path) -> Path:
    """Where the rejected rows of ``path`` are listed by default: ``FILE.rejects.csv``."""
    return path.with_name(path.name + ".rejects.csv")


async def import_gdelt_file(
    session: AsyncSession,
    path: Path | str,
    *,
    skip_bad_rows: bool = False,
    report: Path | str | None = None,
    progress: ProgressCallback | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportResult:
    """Import one GDELT events file (plain or zipped) in the caller's transaction, inside a
    SAVEPOINT: on any error nothing of the file is left. The caller commits.

    Bad rows raise GdeltBadRowsError (after the whole file was read, so it lists them all) unless
    ``skip_bad_rows``; then they are left out, counted and listed in ``report`` (CSV) when given.
    A file that is not a GDELT events file raises GdeltFileError before anything is written.
    ``progress`` is called before the first row, after every batch and at the end.
    """
    path = Path(path)
    started = time.perf_counter()
    sniffed = sniff_gdelt_file(path)
    result = ImportResult(path=path, format=sniffed.format.name)
    report_file = _Report(Path(report) if report is not None else None)
    result.report = Path(report) if report is not None else None
    ok = False
    try:
        async with session.begin_nested():
            run = _FileImport(session, path, sniffed, result, report_file, progress)
            await run.run(skip_bad_rows=skip_bad_rows, batch_size=batch_size)
        ok = True
    finally:
        report_file.finish(keep=ok or bool(result.bad_rows))
        result.seconds = time.perf_counter() - started
    return result


class _FileImport:
    """One file, read row by row and written batch by batch."""

    def __init__(
        self,
        session: AsyncSession,
        path: Path,
        sniffed: SniffResult,
        result: ImportResult,
        report: _Report,
        progress: ProgressCallback | None,
    ) -> None:
        self.session = session
        self.path = path
        self.sniffed = sniffed
        self.result = result
        self.report = report
        self.progress = progress
        self.parser = _Parser(sniffed.format)
        self.widths = sniffed.format.widths
        self.expected = " or ".join(str(w) for w in sorted(self.widths))
        self.started = time.perf_counter()
        self.bytes_done = 0
        self.bad_count = 0
        self.batch: list[_Prepared] = []
        self.in_batch: set[int] = set()

    async def run(self, *, skip_bad_rows: bool, batch_size: int) -> None:
        session, result = self.session, self.result
        resolver = _Resolver(session, result)
        await resolver.load()
        conn = await session.connection()
        changelog = _ChangeLog(session, conn)
        try:
            await changelog.start()
            resolver.changelog = changelog
            writer = _Writer(session, conn, result, changelog)
            self.report_progress()
            with _open_csv(self.path) as (stream, _size, _member):
                for line_no, raw in self.rows(stream):
                    try:
                        event = self.parse(line_no, raw)
                    except _Bad as bad:
                        self.bad_row(line_no, raw, bad, skip_bad_rows)
                        continue
                    if self.bad_count and not skip_bad_rows:
                        continue  # the file fails: read on only to report every bad row
                    if event.event_id in self.in_batch:  # the same event twice: first one first
                        await self.flush(writer, skip_bad_rows)
                    self.batch.append(await _prepare(event, resolver, result))
                    self.in_batch.add(event.event_id)
                    if len(self.batch) >= batch_size:
                        await self.flush(writer, skip_bad_rows)
                await self.flush(writer, skip_bad_rows)
            if self.bad_count and not skip_bad_rows:
                raise GdeltBadRowsError(self.path, result.bad_rows, self.bad_count)
            await changelog.finish()
            self.report_progress(done=True)
        finally:
            changelog.close()

    def rows(self, stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
        """(line number, row) for every data row: not a header line, not a blank line."""
        for line_no, line in enumerate(_lines(self.path, stream), 1):
            self.bytes_done += len(line)
            if line_no == 1 and self.sniffed.has_header:
                continue
            raw = line.rstrip(b"\r\n")
            if raw.strip():
                self.result.rows += 1
                yield line_no, raw

    def parse(self, line_no: int, raw: bytes) -> Event:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Bad("row", f"is not UTF-8 text (byte {exc.start + 1})") from None
        fields = text.split("\t")
        if len(fields) not in self.widths:
            raise _Bad("row", f"has {len(fields)} columns, expected {self.expected}")
        return self.parser.parse(line_no, fields, raw)

    def bad_row(self, line_no: int, raw: bytes, bad: _Bad, skip_bad_rows: bool) -> None:
        self.bad_count += 1
        first = raw.split(b"\t", 1)[0].decode("utf-8", "replace")
        row = BadRow(
            line_no,
            bad.column,
            bad.reason,
            first if first.isdigit() else "",
            raw.decode("utf-8", "replace"),
        )
        self.report.add(row)
        if len(self.result.bad_rows) < MAX_REPORTED_BAD_ROWS:
            self.result.bad_rows.append(row)
        if skip_bad_rows:
            self.result.skipped += 1

    async def flush(self, writer: _Writer, skip_bad_rows: bool) -> None:
        if self.batch and (self.bad_count == 0 or skip_bad_rows):
            await writer.write(self.batch)
        self.batch.clear()
        self.in_batch.clear()
        self.report_progress()

    def report_progress(self, done: bool = False) -> None:
        if self.progress is not None:
            self.progress(
                ImportProgress(
                    self.path,
                    self.result.rows,
                    self.bytes_done,
                    self.sniffed.bytes_total,
                    time.perf_counter() - self.started,
                    done,
                )
            )


def _lines(path: Path, stream: IO[bytes]) -> Iterator[bytes]:
    """The file's lines; a file that cannot be read to its end (a damaged zip) is refused."""
    line_no = 0
    try:
        for line in stream:
            line_no += 1
            yield line
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise GdeltFileError(f"{path}: cannot be read after line {line_no} ({exc})") from None


# Per event code: kind, mode (as stored) and the roles of Actor1 and Actor2.
_RULES: dict[str, tuple[str, str | None, ParticipantRole, ParticipantRole]] = {
    code: (
        rule.kind.value,
        rule.mode.value if rule.mode else None,
        rule.actor1_role,
        rule.actor2_role,
    )
    for code, rule in ((c, cameo.event_type(c)) for c in cameo.EVENT_LABELS)
}


async def _prepare(event: Event, resolver: _Resolver, result: ImportResult) -> _Prepared:
    kind, mode, role1, role2 = _RULES[event.code]
    result.kinds[kind] += 1
    participants: list[tuple[ParticipantRole, Resolved]] = []
    cache, actors = resolver.cache, result.actors
    for actor, role in ((event.actor1, role1), (event.actor2, role2)):
        if not actor.present:
            actors["absent"] += 1
            continue
        resolved = cache.get(actor) or await resolver.resolve(actor)
        actors[resolved.how] += 1
        if resolved is not _UNRESOLVED:
            participants.append((role, resolved))
    country = cameo.fips_country(event.fips) if event.fips else None
    if country is not None and country not in resolver.countries:
        country = None
    return _Prepared(
        event=event,
        kind=kind,
        mode=mode,
        title=event_title(event),
        country=country,
        participants=participants,
        search_text=event_search_text(event),
    )
