"""Bundles: the whole dataset, or a slice of it, as one JSON document that another installation
imports (docs/bundle.md describes the format, docs/bundle.schema.json is its JSON Schema).

A bundle holds every record in its canonical form (db.serialize), by kind, in dependency order
(countries, leaders, groups, positions, memberships, engagements, participants, statements,
claims, stances, sources, citations), each kind sorted by public ID. The same database exported
twice gives the same bundle but for ``exportedAt``; a bundle imported into an empty database
exports again as the same bundle.

Export streams: each kind is read in keyset pages of ``PAGE_SIZE`` rows and written out page by
page, so memory does not grow with the database. On PostgreSQL the export reads one REPEATABLE
READ snapshot; on SQLite one read transaction (WAL) does the same.

A slice (``select_slice``) is the engagements an EngagementFilter matches and what they need:
their participants, statements, claims and the stances on those claims; the records these name
(actors, the statements stances cite, the engagements those statements belong to); the positions
of included leaders and the memberships of included actors (what they are members of: the group
comes too, and in turn its memberships); the countries any included record names; the citations
of every included record and the sources they cite. It is computed as sets of keys (integers),
never as records.

Import (``import_bundle``) reads the file twice, streaming: first it checks the whole bundle
against the schema (and that no ID or unique value appears twice) without touching the database;
then it applies each record by public ID (as db.replay.apply_record does: created when new,
updated when different, left alone when identical; a page of records costs a fixed number of
statements) inside a SAVEPOINT of the caller's transaction, so any failure leaves nothing. Merging
follows these rules:

- a record is matched by its public ID only; the bundle's version replaces the database's
  (``updatedAt`` included);
- a record whose ID this database deleted (a tombstone) is not brought back: it is skipped. A
  record naming one is treated as this database's delete treated its own: where the delete
  detaches (a statement's or claim's engagement, a stance's statement) the reference is cleared
  ("detached"); where it deletes (a participant of the engagement, a citation of it, ...) the
  record is skipped too;
- a unique value (a leader's or group's Wikidata QID, an engagement's external ID, a source URL)
  that another record of this database holds, which the bundle does not also carry, is a
  conflict: nothing is imported;
- a record naming a record that is neither in the bundle nor in the database is an error;
- the status of every claim the bundle touches is derived again from the stances the database
  then holds (it only changes when the database holds stances the bundle does not).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import col

from db import enums, models
from db.base import utcnow
from db.claims import derive_status
from db.engagements import EngagementFilter
from db.models import Tombstone
from db.replay import MissingReferences, ReplayError, apply_record
from db.replay import _derive as replay_derive
from db.replay import _keys as replay_keys
from db.replay import _same as replay_same
from db.replay import _values as replay_values
from db.serialize import KIND_MODELS, iso, to_dicts

FORMAT = "crisisgraph-bundle"
VERSION = 1
SCHEMA_ID = "https://crisisgraph.org/schemas/bundle-v1.schema.json"
PAGE_SIZE = 500
MAX_PROBLEMS = 100  # problems kept for the report; the count goes on

# The bundle's names for the kinds (the plural, as db.seed counts them), in dependency order:
# every record names only records of kinds before its own.
KINDS: tuple[tuple[str, str], ...] = (
    ("countries", "country"),
    ("leaders", "leader"),
    ("groups", "group"),
    ("positions", "position"),
    ("memberships", "membership"),
    ("engagements", "engagement"),
    ("participants", "participant"),
    ("statements", "statement"),
    ("claims", "claim"),
    ("stances", "stance"),
    ("sources", "source"),
    ("citations", "citation"),
)
KIND_OF: dict[str, str] = dict(KINDS)
PLURAL_OF: dict[str, str] = {kind: plural for plural, kind in KINDS}
PLURAL_OF_INDEX: dict[str, int] = {plural: i for i, (plural, _) in enumerate(KINDS)}

# Canonical fields holding public IDs, per kind (an engagement's location.country aside).
_REFERENCES: dict[str, tuple[str, ...]] = {
    "country": (),
    "leader": ("country",),
    "group": (),
    "position": ("leader", "country", "group"),
    "membership": ("group", "member"),
    "engagement": (),
    "participant": ("engagement", "actor"),
    "statement": ("speaker", "engagement"),
    "claim": ("subject", "engagement"),
    "stance": ("claim", "actor", "statement"),
    "source": (),
    "citation": ("source", "target"),
}

# References a delete of the record named clears rather than deleting the record that names it
# (db.deletion's detached rows): the others belong to the record named and go with it.
_DETACHABLE: dict[str, tuple[str, ...]] = {
    "statement": ("engagement",),
    "claim": ("engagement",),
    "stance": ("statement",),
}

# Unique values besides the public ID: (canonical field, column).
_UNIQUE: dict[str, tuple[str, str]] = {
    "leader": ("wikidataQid", "wikidata_qid"),
    "group": ("wikidataQid", "wikidata_qid"),
    "engagement": ("externalId", "external_id"),
    "source": ("url", "url"),
}


# --- problems ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleProblem:
    """One thing wrong with a bundle: where (a path such as ``records.leaders[3].name``, or None
    for the file as a whole) and why."""

    field: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason

    def as_dict(self) -> dict[str, Any]:
        return {"row": None, "field": self.field, "reason": self.reason}


class BundleError(Exception):
    """The bundle cannot be imported; nothing of it was. ``str()`` is one line: the first problem
    and how many others there are; ``problems`` lists the first MAX_PROBLEMS."""

    def __init__(self, problems: Sequence[BundleProblem], count: int | None = None) -> None:
        self.problems = list(problems)
        self.count = len(self.problems) if count is None else count
        first = str(self.problems[0]) if self.problems else "the bundle cannot be imported"
        more = self.count - 1
        super().__init__(
            first + (f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else "")
        )


def _problem(reason: str, field: str | None = None) -> BundleError:
    return BundleError([BundleProblem(field, reason)])


# --- the JSON Schema -----------------------------------------------------------------------------

_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_STAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
_TOKEN = "[0-9a-hjkmnp-tv-z]{26}"
_ACTORS = ("leader", "country", "group")
_CITABLE = ("engagement", "statement", "claim", "stance", "membership", "position")


def id_pattern(*kinds: str) -> str:
    """The public IDs of these kinds (db.ids), as a regular expression."""
    alternatives = [
        "country_[A-Z]{2}" if kind == "country" else f"{kind}_{_TOKEN}" for kind in kinds
    ]
    return f"^(?:{'|'.join(alternatives)})$"


def _nullable(schema: dict[str, Any], nullable: bool) -> dict[str, Any]:
    if not nullable:
        return schema
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def _ref(kinds: Sequence[str], description: str, nullable: bool = False) -> dict[str, Any]:
    schema = {"type": "string", "pattern": id_pattern(*kinds), "description": description}
    return _nullable(schema, nullable)


def _text(
    kind: str, column: str | None, description: str, nullable: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "description": description}
    if column is not None:
        length = getattr(KIND_MODELS[kind].__table__.c[column].type, "length", None)  # type: ignore[attr-defined]
        if length:
            schema["maxLength"] = length
    return _nullable(schema, nullable)


def _enum(values: type[StrEnum], description: str, nullable: bool = False) -> dict[str, Any]:
    return _nullable({"enum": [m.value for m in values], "description": description}, nullable)


def _date(description: str, nullable: bool = True) -> dict[str, Any]:
    schema = {
        "type": "string",
        "format": "date",
        "pattern": _DATE_PATTERN,
        "description": description,
    }
    return _nullable(schema, nullable)


def _stamp(description: str, nullable: bool = False) -> dict[str, Any]:
    schema = {
        "type": "string",
        "format": "date-time",
        "pattern": _STAMP_PATTERN,
        "description": description,
    }
    return _nullable(schema, nullable)


def _number(
    description: str, low: float | None = None, high: float | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["number", "null"], "description": description}
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    return schema


_ALIASES = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Other names and spellings sources use.",
}


def _record(kind: str, title: str, properties: dict[str, Any]) -> dict[str, Any]:
    every = {
        "id": {
            "type": "string",
            "pattern": id_pattern(kind),
            "description": "The public ID: never changes, never reused; records merge by it.",
        },
        **properties,
        "createdAt": _stamp("When the record was created."),
        "updatedAt": _stamp("When the record last changed."),
    }
    return {
        "type": "object",
        "title": title,
        "required": list(every),
        "additionalProperties": False,
        "properties": every,
    }


def _record_schemas() -> dict[str, dict[str, Any]]:
    actor = ("leader", "country", "group")
    return {
        "country": _record(
            "country",
            "Country",
            {
                "code": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO alpha-2."},
                "alpha3": {
                    "type": "string",
                    "pattern": "^[A-Z]{3}$",
                    "description": "ISO alpha-3.",
                },
                "name": _text("country", "name", "The common name."),
                "officialName": _text("country", "official_name", "The official name.", True),
                "aliases": _ALIASES,
            },
        ),
        "leader": _record(
            "leader",
            "Leader",
            {
                "name": _text("leader", "name", "The canonical name."),
                "aliases": _ALIASES,
                "country": _ref(("country",), "The country the leader belongs to.", True),
                "wikidataQid": _text("leader", "wikidata_qid", "Wikidata item; unique.", True),
            },
        ),
        "group": _record(
            "group",
            "Group",
            {
                "name": _text("group", "name", "The canonical name."),
                "aliases": _ALIASES,
                "kind": _enum(enums.GroupKind, "What sort of group."),
                "description": _text("group", None, "What the group is.", True),
                "wikidataQid": _text("group", "wikidata_qid", "Wikidata item; unique.", True),
            },
        ),
        "position": _record(
            "position",
            "Position",
            {
                "leader": _ref(("leader",), "Who holds the office."),
                "title": _text("position", "title", "The office's title."),
                "kind": _enum(enums.PositionKind, "What sort of office."),
                "country": _ref(("country",), "Held in this country (or in a group).", True),
                "group": _ref(("group",), "Held in this group (or in a country).", True),
                "startDate": _date("First day of the tenure."),
                "endDate": _date("The tenure runs up to, not including, this day."),
            },
        ),
        "membership": _record(
            "membership",
            "Membership",
            {
                "group": _ref(("group",), "The group."),
                "member": _ref(actor, "The member: a leader, country or group."),
                "role": _enum(enums.MembershipRole, "The member's role."),
                "startDate": _date("First day of the membership."),
                "endDate": _date("The membership runs up to, not including, this day."),
            },
        ),
        "engagement": _record(
            "engagement",
            "Engagement",
            {
                "kind": _enum(enums.EngagementKind, "What happened."),
                "mode": _enum(enums.EngagementMode, "How it happened.", True),
                "status": _enum(enums.EngagementStatus, "Held, scheduled or cancelled."),
                "title": _text("engagement", "title", "A one-line title."),
                "summary": _text("engagement", None, "What the sources say happened.", True),
                "startDate": _date("The first day the sources allow.", False),
                "endDate": _date("The last day, when the event or period has one."),
                "datePrecision": _enum(enums.DatePrecision, "What the source gave."),
                "location": {
                    "type": "object",
                    "description": "Where it happened.",
                    "required": ["country", "place", "latitude", "longitude"],
                    "additionalProperties": False,
                    "properties": {
                        "country": _ref(("country",), "The country.", True),
                        "place": _text("engagement", "location_place", "The place.", True),
                        "latitude": _number("Degrees north.", -90, 90),
                        "longitude": _number("Degrees east.", -180, 180),
                    },
                },
                "cameoCode": {
                    "type": ["string", "null"],
                    "pattern": "^[0-9]{2,4}$",
                    "description": "CAMEO event code, leading zeros kept.",
                },
                "externalId": _text(
                    "engagement", "external_id", "The ID in an outside dataset; unique.", True
                ),
                "attributes": {
                    "type": ["object", "null"],
                    "description": "Attributes from outside datasets, under their own names.",
                },
            },
        ),
        "participant": _record(
            "participant",
            "Participant",
            {
                "engagement": _ref(("engagement",), "The engagement."),
                "actor": _ref(actor, "Who took part: a leader, country or group."),
                "role": _enum(enums.ParticipantRole, "The part they played."),
            },
        ),
        "statement": _record(
            "statement",
            "Statement",
            {
                "text": {"type": "string", "description": "The words, quoted or paraphrased."},
                "isDirectQuote": {"type": "boolean", "description": "The exact words."},
                "date": _date("When it was said."),
                "datePrecision": _enum(enums.DatePrecision, "What the source gave."),
                "speaker": _ref(actor, "Who said it, when known.", True),
                "speakerLabel": _text(
                    "statement", "speaker_label", "The speaker as the source names them.", True
                ),
                "engagement": _ref(("engagement",), "Where it was said.", True),
            },
        ),
        "claim": _record(
            "claim",
            "Claim",
            {
                "text": {"type": "string", "description": "The contested assertion."},
                "quantity": _number("The figure it states."),
                "unit": _text("claim", "unit", "The figure's unit.", True),
                "subject": _ref(actor, "Whom it is about.", True),
                "status": _enum(enums.ClaimStatus, "Derived from the stances."),
                "engagement": _ref(("engagement",), "Where it was made.", True),
            },
        ),
        "stance": _record(
            "stance",
            "Stance",
            {
                "claim": _ref(("claim",), "The claim."),
                "actor": _ref(actor, "Who takes the stance."),
                "position": _enum(enums.StancePosition, "Asserts, denies, questions, confirms."),
                "date": _date("When."),
                "datePrecision": _enum(enums.DatePrecision, "What the source gave."),
                "statement": _ref(("statement",), "The statement it was taken in.", True),
            },
        ),
        "source": _record(
            "source",
            "Source",
            {
                "title": _text("source", "title", "The document's title."),
                "publisher": _text("source", "publisher", "Who published it.", True),
                "url": _text("source", "url", "Where it can be read; unique.", True),
                "language": _text("source", "language", "BCP 47 language tag.", True),
                "publishedAt": _stamp("When it was published.", True),
                "licence": _text("source", "licence", "Its terms.", True),
                "text": _text("source", None, "Its full text, where the licence allows.", True),
            },
        ),
        "citation": _record(
            "citation",
            "Citation",
            {
                "source": _ref(("source",), "The document quoted."),
                "target": _ref(_CITABLE, "The record the words support."),
                "excerpt": {"type": "string", "minLength": 1, "description": "The exact words."},
                "start": {"type": "integer", "minimum": 0, "description": "Offset of the first."},
                "end": {"type": "integer", "minimum": 1, "description": "Offset past the last."},
            },
        ),
    }


def _type_name(kind: str) -> str:
    return kind.capitalize()


@cache
def bundle_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a bundle: docs/bundle.schema.json is this, written."""
    records = _record_schemas()
    defs: dict[str, Any] = {
        "Filter": {
            "type": "object",
            "description": "The engagement filter a slice was exported with.",
            "additionalProperties": False,
            "properties": {
                "from": _date("Engagements that end on or after this day.", False),
                "to": _date("Engagements that start on or before this day.", False),
                "kinds": {
                    "type": "array",
                    "items": _enum(enums.EngagementKind, "An engagement kind."),
                    "description": "Engagements of these kinds.",
                },
                "countries": {
                    "type": "array",
                    "items": {"type": "string", "pattern": "^[A-Z]{2}$"},
                    "description": "Engagements of these countries (ISO alpha-2): taking part, "
                    "through one of their leaders, or as the location.",
                },
                "leaders": {
                    "type": "array",
                    "items": {"type": "string", "pattern": id_pattern("leader")},
                    "description": "Engagements these leaders took part in.",
                },
                "groups": {
                    "type": "array",
                    "items": {"type": "string", "pattern": id_pattern("group")},
                    "description": "Engagements these groups took part in.",
                },
            },
        },
    }
    defs.update({_type_name(kind): records[kind] for _, kind in KINDS})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "crisisgraph bundle, version 1",
        "description": "Records of a crisisgraph database (all of them, or a slice) in their "
        "canonical form, by kind, in dependency order. See docs/bundle.md.",
        "type": "object",
        "required": ["format", "version", "records"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT, "description": "Always crisisgraph-bundle."},
            "version": {"const": VERSION, "description": "The format's version."},
            "exportedAt": _stamp("When the bundle was written."),
            "filter": {
                "oneOf": [{"type": "null"}, {"$ref": "#/$defs/Filter"}],
                "description": "null for a whole database; the filter of a slice.",
            },
            "records": {
                "type": "object",
                "description": "The records, by kind, each kind sorted by ID; a kind may be "
                "left out when it has none.",
                "additionalProperties": False,
                "properties": {
                    plural: {
                        "type": "array",
                        "items": {"$ref": f"#/$defs/{_type_name(kind)}"},
                    }
                    for plural, kind in KINDS
                },
            },
        },
        "$defs": defs,
    }


def schema_json() -> str:
    """docs/bundle.schema.json, as committed."""
    return json.dumps(bundle_schema(), indent=2, ensure_ascii=False) + "\n"


@cache
def _validators() -> dict[str, Any]:
    """A validator for the envelope (records left empty) and one per kind of record."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schema = bundle_schema()
    resource = Resource.from_contents(schema, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SCHEMA_ID, resource)
    checker = Draft202012Validator.FORMAT_CHECKER
    out: dict[str, Any] = {
        "": Draft202012Validator(schema, registry=registry, format_checker=checker),
    }
    for _, kind in KINDS:
        ref = {"$ref": f"{SCHEMA_ID}#/$defs/{_type_name(kind)}"}
        out[kind] = Draft202012Validator(ref, registry=registry, format_checker=checker)
    return out


def _path(base: str, parts: Iterable[Any]) -> str:
    out = base
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _reason(error: Any) -> str:
    """jsonschema's message, made readable where it quotes our regular expressions."""
    if error.validator == "pattern" and isinstance(error.instance, str):
        pattern = error.validator_value
        for kinds in _PATTERN_KINDS:
            if pattern == id_pattern(*kinds):
                return f"{error.instance!r} is not {_kinds_text(kinds)} ID"
        if pattern in (_DATE_PATTERN,):
            return f"{error.instance!r} is not a date (YYYY-MM-DD)"
        if pattern == _STAMP_PATTERN:
            return f"{error.instance!r} is not an ISO 8601 time with its offset"
    return str(error.message)


_PATTERN_KINDS: tuple[tuple[str, ...], ...] = (
    *((kind,) for _, kind in KINDS),
    _ACTORS,
    _CITABLE,
)


def _kinds_text(kinds: Sequence[str]) -> str:
    article = "an" if kinds[0][0] in "aeiou" else "a"
    if len(kinds) == 1:
        return f"{article} {kinds[0]}"
    return f"{article} {', '.join(kinds[:-1])} or {kinds[-1]}"


def _schema_problems(kind: str, instance: Any, base: str) -> list[BundleProblem]:
    validator = _validators()[kind]
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [BundleProblem(_path(base, e.absolute_path) or None, _reason(e)) for e in errors]


# --- reading a bundle file, streaming ------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _Reader:
    """Reads a bundle's members one by one, and its records one by one, from a text file: only
    the record being read is in memory. Yields ("member", name, value), ("kind", plural),
    ("record", plural, index, value) and ("kind-value", plural, value) for a kind that is not an
    array."""

    CHUNK = 1 << 16
    MAX_VALUE = 64 << 20

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0  # newlines in the text already dropped from the buffer
        self.column_before = 0  # characters since the last of them

    def _more(self, want: int) -> bool:
        if self.eof:
            return False
        if self.pos:
            dropped = self.buf[: self.pos]
            newlines = dropped.count("\n")
            if newlines:
                self.lines_before += newlines
                self.column_before = len(dropped) - dropped.rfind("\n") - 1
            else:
                self.column_before += len(dropped)
            self.buf = self.buf[self.pos :]
            self.pos = 0
        data = self.stream.read(max(want, self.CHUNK))
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _where(self, pos: int) -> str:
        before = self.buf[:pos]
        newlines = before.count("\n")
        line = self.lines_before + newlines + 1
        column = pos - before.rfind("\n") if newlines else self.column_before + pos + 1
        return f"line {line}, column {column}"

    def _syntax(self, message: str, pos: int) -> BundleError:
        return _problem(f"not valid JSON: {self._where(pos)}: {message}")

    def peek(self) -> str:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more(self.CHUNK):
                return ""

    def expect(self, chars: str, what: str) -> str:
        found = self.peek()
        if found == "":
            raise self._syntax(f"the file ends where {what} was expected", self.pos)
        if found not in chars:
            raise self._syntax(f"expected {what}", self.pos)
        self.pos += 1
        return found

    def value(self) -> Any:
        self.peek()
        want = self.CHUNK
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise self._syntax(exc.msg, exc.pos) from None
                if len(self.buf) - self.pos > self.MAX_VALUE:
                    raise _problem(
                        f"not readable: a value at {self._where(self.pos)} is larger than "
                        f"{self.MAX_VALUE >> 20} MiB or not valid JSON"
                    ) from None
                self._more(want)
                want *= 2
                continue
            if end == len(self.buf) and not self.eof and self._more(want):
                want *= 2  # a number, say, may go on in the next chunk
                continue
            self.pos = end
            return value

    def _name(self) -> str:
        if self.peek() != '"':
            raise self._syntax("expected a member name in double quotes", self.pos)
        name = self.value()
        assert isinstance(name, str)
        self.expect(":", "':'")
        return name

    def events(self) -> Iterator[tuple[Any, ...]]:
        if self.peek() != "{":
            raise _problem("not a crisisgraph bundle: the file does not hold a JSON object")
        self.pos += 1
        seen: set[str] = set()
        if self.peek() == "}":
            self.pos += 1
        else:
            while True:
                name = self._name()
                if name in seen:
                    raise _problem(f"{name!r} appears twice", name)
                seen.add(name)
                if name == "records" and self.peek() == "{":
                    self.pos += 1
                    yield ("member", "records", {})
                    yield from self._records()
                else:
                    yield ("member", name, self.value())
                if self.expect(",}", "',' or '}'") == "}":
                    break
        if self.peek() != "":
            raise self._syntax("extra data after the bundle", self.pos)

    def _records(self) -> Iterator[tuple[Any, ...]]:
        if self.peek() == "}":
            self.pos += 1
            return
        seen: set[str] = set()
        while True:
            plural = self._name()
            if plural in seen:
                raise _problem(f"{plural!r} appears twice", "records")
            seen.add(plural)
            if self.peek() != "[":
                yield ("kind-value", plural, self.value())
            else:
                self.pos += 1
                yield ("kind", plural)
                index = 0
                if self.peek() == "]":
                    self.pos += 1
                else:
                    while True:
                        yield ("record", plural, index, self.value())
                        index += 1
                        if self.expect(",]", "',' or ']'") == "]":
                            break
            if self.expect(",}", "',' or '}'") == "}":
                return


def _open(path: Path) -> IO[str]:
    try:
        return open(path, encoding="utf-8-sig")
    except FileNotFoundError:
        raise _problem("no such file") from None
    except IsADirectoryError:
        raise _problem("is a directory, not a file") from None
    except PermissionError:
        raise _problem("cannot be read (permission denied)") from None


def _check_envelope(name: str, value: Any) -> None:
    """Refuse another format or version at once, before reading further."""
    if name == "format" and value != FORMAT:
        raise _problem(f"not a crisisgraph bundle: its format is {value!r}, not {FORMAT!r}")
    if name == "version" and (type(value) is not int or value != VERSION):
        raise _problem(
            f"bundle version {value!r} is not supported: this crisisgraph reads version {VERSION}"
        )


@dataclass
class BundleSummary:
    """What the check of a valid bundle found: the records by kind, every ID, and the unique
    values the bundle carries (kind, column, value) → ID."""

    exported_at: str | None
    filter: dict[str, Any] | None
    counts: dict[str, int]
    ids: Mapping[str, int]  # every ID → where it is (_where_encoded)
    uniques: dict[tuple[str, str, Any], str]

    @property
    def records(self) -> int:
        return sum(self.counts.values())


class _Problems:
    def __init__(self) -> None:
        self.kept: list[BundleProblem] = []
        self.count = 0

    def add(self, problems: Iterable[BundleProblem]) -> None:
        for problem in problems:
            self.count += 1
            if len(self.kept) < MAX_PROBLEMS:
                self.kept.append(problem)


def check_bundle_file(path: Path | str) -> BundleSummary:
    """Check a bundle file without touching a database: the format and version first (refused
    at once), then every member and record against the schema, and that no ID or unique value
    appears twice. Raises BundleError listing what is wrong; reads the file streaming."""
    path = Path(path)
    problems = _Problems()
    envelope: dict[str, Any] = {}
    counts: dict[str, int] = {}
    ids: dict[str, int] = {}
    uniques: dict[tuple[str, str, Any], str] = {}
    with _open(path) as stream:
        try:
            for event in _Reader(stream).events():
                if event[0] == "member":
                    _, name, value = event
                    _check_envelope(name, value)
                    envelope[name] = value
                elif event[0] == "kind-value":
                    _, plural, value = event
                    envelope.setdefault("records", {})[plural] = value
                elif event[0] == "kind":
                    plural = event[1]
                    if plural not in KIND_OF:
                        envelope.setdefault("records", {})[plural] = []
                    counts[plural] = 0
                else:
                    _, plural, index, record = event
                    kind = KIND_OF.get(plural)
                    if kind is None:
                        continue  # the envelope check names the unknown kind
                    counts[plural] += 1
                    base = f"records.{plural}[{index}]"
                    found = _schema_problems(kind, record, base)
                    if found:
                        problems.add(found)
                        continue
                    problems.add(_check_unique(kind, record, base, ids, uniques))
        except UnicodeDecodeError as exc:
            raise _problem(f"not UTF-8 text (byte {exc.start} of a chunk)") from None
    for name in ("format", "version"):
        if name not in envelope:
            raise _problem(f"not a crisisgraph bundle: it has no {name!r} member")
    envelope_problems = _schema_problems("", envelope, "")
    if envelope_problems:
        merged = _Problems()
        merged.add(envelope_problems)
        merged.add(problems.kept)
        merged.count += problems.count - len(problems.kept)
        problems = merged
    if problems.count:
        raise BundleError(problems.kept, problems.count)
    return BundleSummary(
        exported_at=envelope.get("exportedAt"),
        filter=envelope.get("filter"),
        counts={p: counts[p] for p, _ in KINDS if p in counts},
        ids=ids,
        uniques=uniques,
    )


def _where_encoded(base: str) -> int:
    """``records.<plural>[<index>]`` as one int: an ID's place costs little for a big bundle."""
    plural, _, index = base.removeprefix("records.").removesuffix("]").partition("[")
    return PLURAL_OF_INDEX.get(plural, len(KINDS)) << 40 | int(index)


def _where_decoded(value: int) -> str:
    return f"records.{KINDS[value >> 40][0]}[{value & ((1 << 40) - 1)}]"


def _check_unique(
    kind: str,
    record: Mapping[str, Any],
    base: str,
    ids: dict[str, int],
    uniques: dict[tuple[str, str, Any], str],
) -> list[BundleProblem]:
    public_id = record["id"]
    if public_id in ids:
        first = _where_decoded(ids[public_id])
        return [BundleProblem(f"{base}.id", f"{public_id!r} appears twice (first at {first})")]
    ids[public_id] = _where_encoded(base)
    unique = _UNIQUE.get(kind)
    if unique is not None and record[unique[0]] is not None:
        key = (kind, unique[1], record[unique[0]])
        holder = uniques.get(key)
        if holder is not None:
            return [
                BundleProblem(
                    f"{base}.{unique[0]}",
                    f"{record[unique[0]]!r} is also the {unique[0]} of {holder} in the bundle",
                )
            ]
        uniques[key] = public_id
    return []


# --- importing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleProgress:
    records_done: int
    records_total: int
    elapsed: float
    phase: str  # "checking" or "importing"


BundleProgressCallback = Callable[[BundleProgress], None]
OUTCOMES = ("created", "updated", "unchanged", "skipped")


@dataclass
class BundleImportResult:
    """What an import did, per kind (the bundle's plural names): records created, updated
    (different from the database's), unchanged (identical) and skipped (deleted here, or naming
    a record deleted here)."""

    path: Path
    records: int = 0
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    claims_rederived: list[str] = field(default_factory=list)  # whose status changed
    skipped_ids: list[str] = field(default_factory=list)  # the first MAX_PROBLEMS
    detached: list[str] = field(default_factory=list)  # the first MAX_PROBLEMS
    detached_count: int = 0
    seconds: float = 0.0

    def count(self, plural: str, outcome: str) -> None:
        self.by_kind.setdefault(plural, Counter())[outcome] += 1

    def totals(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for counter in self.by_kind.values():
            total.update(counter)
        return {outcome: total[outcome] for outcome in OUTCOMES}

    def as_counts(self) -> dict[str, Any]:
        """The job's counts (db.imports): totals and per kind, every outcome present."""
        return {
            "records": self.records,
            **self.totals(),
            "byType": {
                plural: {outcome: self.by_kind[plural][outcome] for outcome in OUTCOMES}
                for plural, _ in KINDS
                if plural in self.by_kind
            },
            "detached": self.detached_count,
            "claimsRederived": len(self.claims_rederived),
        }


def _referenced(kind: str, record: Mapping[str, Any]) -> list[str]:
    out = [record[name] for name in _REFERENCES[kind]]
    if kind == "engagement":
        out.append(record["location"]["country"])
    return [p for p in dict.fromkeys(out) if p is not None]


@dataclass
class _Pending:
    plural: str
    index: int
    record: Mapping[str, Any]
    waits: set[str]


class _Importer:
    def __init__(
        self,
        session: AsyncSession,
        summary: BundleSummary,
        result: BundleImportResult,
    ) -> None:
        self.session = session
        self.summary = summary
        self.result = result
        self.gone: set[str] = set()  # deleted here, or naming something deleted here
        self.pending: dict[str, _Pending] = {}
        self.waiters: dict[str, set[str]] = {}  # a missing ID → the IDs of records waiting on it
        self.claims: set[str] = set()
        self.detached: set[str] = set()

    async def page(self, plural: str, items: list[tuple[int, dict[str, Any]]]) -> None:
        """Apply a page of records of one kind: a fixed number of statements for the page (its
        new and changed rows written in one flush), whatever its size."""
        kind = KIND_OF[plural]
        model: Any = KIND_MODELS[kind]
        public_ids = [record["id"] for _, record in items]
        tombstoned = set(
            (
                await self.session.execute(
                    select(col(Tombstone.public_id)).where(col(Tombstone.public_id).in_(public_ids))
                )
            ).scalars()
        )
        rows = {
            row.public_id: row
            for row in (
                await self.session.execute(
                    select(model).where(col(model.public_id).in_(public_ids))
                )
            ).scalars()
        }
        current = {
            item["id"]: item for item in await to_dicts(self.session, kind, list(rows.values()))
        }
        taking_over = await self._check_conflicts(kind, plural, items)
        ready: list[tuple[int, dict[str, Any]]] = []
        for index, record in items:
            if record["id"] in tombstoned:
                await self._skip(plural, record["id"])
                continue
            settled = await self._settle(plural, record)
            if settled is None:
                continue
            if current.get(settled["id"]) == settled:
                self.result.count(plural, "unchanged")
                self._note_claim(kind, settled)
                await self._arrived(settled["id"])
            else:
                ready.append((index, settled))
        if not ready:
            return
        refs = {ref for _, record in ready for ref in _referenced(kind, record)}
        keys = await replay_keys(self.session, refs)
        await self._deleted_here(refs - set(keys))
        batch: list[tuple[int, dict[str, Any]]] = []
        one_by_one: list[tuple[int, dict[str, Any]]] = []
        for index, record in ready:
            if any(ref in self.gone for ref in _referenced(kind, record)):
                settled = await self._settle(plural, record)  # names a record deleted here
                if settled is None:
                    continue
                record = settled
                if current.get(record["id"]) == record:
                    self.result.count(plural, "unchanged")
                    self._note_claim(kind, record)
                    await self._arrived(record["id"])
                    continue
            missing = [ref for ref in _referenced(kind, record) if ref not in keys]
            if missing:
                self._wait(plural, index, record, missing)
            elif record["id"] in taking_over:
                one_by_one.append((index, record))  # apply_record gives the value up first
            else:
                batch.append((index, record))
        if batch and not await self._write(kind, plural, batch, keys, rows):
            one_by_one[:0] = batch  # the database refused the page: find the record at fault
            batch = []
        for _, record in batch:
            self.result.count(plural, "updated" if record["id"] in rows else "created")
            self._note_claim(kind, record)
        for _, record in batch:
            await self._arrived(record["id"])
        for index, record in one_by_one:
            await self._apply(plural, index, record, existed=record["id"] in rows)

    async def _write(
        self,
        kind: str,
        plural: str,
        batch: list[tuple[int, dict[str, Any]]],
        keys: Mapping[str, Any],
        rows: Mapping[str, Any],
    ) -> bool:
        """Create or update the batch's rows as db.replay.apply_record does, inside a SAVEPOINT;
        False (nothing written) when the database refuses them.

        New rows go in with one bulk INSERT (an ORM flush inserts them one statement each on
        SQLite), and their change-log entries with another, written here as the importer of
        GDELT files does, since db.changes' hook sees only ORM writes; like it, this sends no
        engagementAdded notices (db.events): clients catch up through the change feed. Changed
        rows are updated through the ORM, whose hook logs them."""
        model: Any = KIND_MODELS[kind]
        try:
            async with self.session.begin_nested():
                created: list[dict[str, Any]] = []
                for index, record in batch:
                    try:
                        values = replay_values(kind, record, keys)
                    except (ValueError, TypeError, KeyError, ReplayError) as exc:
                        raise _problem(str(exc), f"records.{plural}[{index}]") from None
                    row = rows.get(record["id"])
                    if row is None:
                        fresh = SimpleNamespace(**values)
                        replay_derive(kind, fresh)  # the search columns
                        created.append(vars(fresh))
                        continue
                    for name, value in values.items():
                        if not replay_same(getattr(row, name), value):
                            setattr(row, name, value)
                    replay_derive(kind, row)
                    if self.session.is_modified(row):
                        flag_modified(row, "updated_at")  # the bundle's, not now
                if created:
                    await self.session.execute(insert(model.__table__), created)
                    now = utcnow()
                    await self.session.execute(
                        insert(models.Change.__table__),  # type: ignore[attr-defined]
                        [
                            {
                                "public_id": r["public_id"],
                                "type": kind,
                                "op": "create",
                                "changed_at": now,
                            }
                            for r in created
                        ],
                    )
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    def _wait(
        self, plural: str, index: int, record: Mapping[str, Any], missing: Iterable[str]
    ) -> None:
        waits = set(missing)
        self.pending[record["id"]] = _Pending(plural, index, record, waits)
        for public_id in waits:
            self.waiters.setdefault(public_id, set()).add(record["id"])

    async def _check_conflicts(
        self, kind: str, plural: str, items: list[tuple[int, dict[str, Any]]]
    ) -> set[str]:
        """Refuse a unique value another record of the database holds, unless the bundle holds
        that record too (it gives the value up); returns the IDs that take a value over."""
        unique = _UNIQUE.get(kind)
        if unique is None:
            return set()
        name, column = unique
        wanted = {record[name]: (index, record["id"]) for index, record in items if record[name]}
        if not wanted:
            return set()
        model: Any = KIND_MODELS[kind]
        holders = await self.session.execute(
            select(col(model.public_id), getattr(model, column)).where(
                col(getattr(model, column)).in_(list(wanted))
            )
        )
        taking_over = set()
        for holder, value in holders:
            index, public_id = wanted[value]
            if holder == public_id:
                continue
            if holder not in self.summary.ids:
                raise _problem(
                    f"{value!r} is already the {name} of {holder} in this database, which the "
                    "bundle does not hold",
                    f"records.{plural}[{index}].{name}",
                )
            taking_over.add(public_id)
        return taking_over

    async def _apply(
        self, plural: str, index: int, record: Mapping[str, Any], *, existed: bool
    ) -> bool:
        kind = KIND_OF[plural]
        public_id = record["id"]
        try:
            await apply_record(self.session, kind, record)
        except MissingReferences as exc:
            self._wait(plural, index, record, exc.public_ids)
            return False
        except ReplayError as exc:
            raise _problem(str(exc), f"records.{plural}[{index}]") from None
        self.result.count(plural, "updated" if existed else "created")
        self._note_claim(kind, record)
        await self._arrived(public_id)
        return True

    def _note_claim(self, kind: str, record: Mapping[str, Any]) -> None:
        if kind == "claim":
            self.claims.add(record["id"])
        elif kind == "stance":
            self.claims.add(record["claim"])

    async def _arrived(self, public_id: str) -> None:
        for waiter in sorted(self.waiters.pop(public_id, ())):
            pending = self.pending.get(waiter)
            if pending is None:
                continue
            pending.waits.discard(public_id)
            if not pending.waits:
                del self.pending[waiter]
                existed = await self._exists(pending.plural, waiter)
                await self._apply(pending.plural, pending.index, pending.record, existed=existed)

    async def _exists(self, plural: str, public_id: str) -> bool:
        model: Any = KIND_MODELS[KIND_OF[plural]]
        found = await self.session.execute(
            select(col(model.public_id)).where(col(model.public_id) == public_id)
        )
        return found.first() is not None

    async def _settle(self, plural: str, record: dict[str, Any]) -> dict[str, Any] | None:
        """The record as this database's own deletes leave it: a reference to a record deleted
        here is cleared where a delete detaches (a statement's engagement, ...); where a delete
        takes the record with it (a participant of the engagement, ...), the record is skipped
        (None)."""
        kind = KIND_OF[plural]
        cleared = [
            name
            for name in _REFERENCES[kind]
            if record[name] is not None and record[name] in self.gone
        ]
        if not cleared:
            return record
        if any(name not in _DETACHABLE.get(kind, ()) for name in cleared):
            await self._skip(plural, record["id"])
            return None
        if record["id"] not in self.detached:
            self.detached.add(record["id"])
            self.result.detached_count += 1
            if len(self.result.detached) < MAX_PROBLEMS:
                self.result.detached.append(record["id"])
        return {**record, **dict.fromkeys(cleared)}

    async def _deleted_here(self, public_ids: set[str]) -> None:
        """Note which of these IDs (named, not found) this database deleted."""
        if not public_ids:
            return
        found = await self.session.execute(
            select(col(Tombstone.public_id)).where(col(Tombstone.public_id).in_(sorted(public_ids)))
        )
        self.gone.update(found.scalars())

    async def _skip(self, plural: str, public_id: str) -> None:
        self.result.count(plural, "skipped")
        if len(self.result.skipped_ids) < MAX_PROBLEMS:
            self.result.skipped_ids.append(public_id)
        self.gone.add(public_id)
        for waiter in sorted(self.waiters.pop(public_id, ())):
            pending = self.pending.pop(waiter, None)
            if pending is None:
                continue
            settled = await self._settle(pending.plural, dict(pending.record))
            if settled is None:
                continue
            pending.waits.discard(public_id)
            if pending.waits:
                self._wait(pending.plural, pending.index, settled, pending.waits)
            else:
                existed = await self._exists(pending.plural, waiter)
                await self._apply(pending.plural, pending.index, settled, existed=existed)

    async def finish(self) -> None:
        if self.pending:
            problems = []
            for public_id, pending in sorted(
                self.pending.items(), key=lambda p: (PLURAL_OF_INDEX[p[1].plural], p[1].index)
            ):
                missing = ", ".join(sorted(pending.waits))
                problems.append(
                    BundleProblem(
                        f"records.{pending.plural}[{pending.index}]",
                        f"{public_id} names {missing}, in neither the bundle nor this database",
                    )
                )
            raise BundleError(problems[:MAX_PROBLEMS], len(problems))
        await self._rederive_claims()

    async def _rederive_claims(self) -> None:
        ordered = sorted(self.claims)
        for start in range(0, len(ordered), PAGE_SIZE):
            chunk = ordered[start : start + PAGE_SIZE]
            claims = list(
                (
                    await self.session.execute(
                        select(models.Claim).where(col(models.Claim.public_id).in_(chunk))
                    )
                ).scalars()
            )
            positions: dict[int, list[enums.StancePosition]] = {c.id: [] for c in claims if c.id}
            stances = await self.session.execute(
                select(col(models.Stance.claim_id), col(models.Stance.position)).where(
                    col(models.Stance.claim_id).in_(list(positions))
                )
            )
            for claim_id, position in stances:
                positions[claim_id].append(position)
            for claim in claims:
                status = derive_status(positions[claim.id or 0])
                if claim.status != status:
                    claim.status = status
                    self.result.claims_rederived.append(claim.public_id)
            await self.session.flush()


async def import_bundle(
    session: AsyncSession,
    path: Path | str,
    *,
    progress: BundleProgressCallback | None = None,
    summary: BundleSummary | None = None,
) -> BundleImportResult:
    """Import a bundle file in the caller's transaction, inside a SAVEPOINT: on any error nothing
    of it is left (the caller commits). The file is checked first (``check_bundle_file``, in a
    thread: it touches no database), unless ``summary`` says it was. Raises BundleError."""
    path = Path(path)
    started = time.perf_counter()
    if summary is None:
        summary = await asyncio.to_thread(check_bundle_file, path)
    result = BundleImportResult(path=path, records=summary.records)

    def report() -> None:
        if progress is not None:
            done = sum(sum(c.values()) for c in result.by_kind.values()) + len(importer.pending)
            progress(
                BundleProgress(done, summary.records, time.perf_counter() - started, "importing")
            )

    importer = _Importer(session, summary, result)
    async with session.begin_nested():
        with _open(path) as stream:
            batch: list[tuple[int, dict[str, Any]]] = []
            batch_kind = ""
            for event in _Reader(stream).events():
                if event[0] != "record":
                    continue
                _, plural, index, record = event
                if batch and (plural != batch_kind or len(batch) >= PAGE_SIZE):
                    await importer.page(batch_kind, batch)
                    session.expunge_all()
                    report()
                    batch = []
                batch_kind = plural
                batch.append((index, record))
            if batch:
                await importer.page(batch_kind, batch)
                report()
        await importer.finish()
    result.seconds = time.perf_counter() - started
    return result


# --- choosing what to export ---------------------------------------------------------------------


@dataclass
class Selection:
    """The keys of the records a slice holds: integer ids per kind, codes for countries."""

    keys: dict[str, set[Any]] = field(default_factory=lambda: {k: set() for _, k in KINDS})

    def counts(self) -> dict[str, int]:
        return {plural: len(self.keys[kind]) for plural, kind in KINDS}


_IN_CHUNK = 5000


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start : start + _IN_CHUNK]


async def _rows_in(
    session: AsyncSession, columns: Sequence[Any], where: Callable[[list[Any]], Any], keys: set[Any]
) -> list[Any]:
    """Rows of ``columns`` where ``where(chunk)`` holds, the keys in chunks (bounded IN lists)."""
    out: list[Any] = []
    for chunk in _chunks(keys):
        out.extend((await session.execute(select(*columns).where(where(chunk)))).all())
    return out


async def select_slice(session: AsyncSession, filters: EngagementFilter) -> Selection:
    """The records of the slice ``filters`` picks (see the module's docstring)."""
    m = models
    sel = Selection()
    keys = sel.keys
    engagements = set(
        (await session.execute(select(col(m.Engagement.id)).where(*filters.clauses()))).scalars()
    )
    keys["engagement"] |= engagements
    leaders: set[int] = set()
    groups: set[int] = set()
    countries: set[str] = set()  # countries as actors (their memberships come too)

    def actor(leader: int | None, country: str | None, group: int | None) -> None:
        if leader is not None:
            leaders.add(leader)
        if country is not None:
            countries.add(country)
        if group is not None:
            groups.add(group)

    p = m.Participant
    for row in await _rows_in(
        session,
        [col(p.id), col(p.leader_id), col(p.country_code), col(p.group_id)],
        lambda chunk: col(p.engagement_id).in_(chunk),
        engagements,
    ):
        keys["participant"].add(row[0])
        actor(row[1], row[2], row[3])
    s = m.Statement
    statement_columns = [
        col(s.id),
        col(s.speaker_leader_id),
        col(s.speaker_country_code),
        col(s.speaker_group_id),
        col(s.engagement_id),
    ]
    for row in await _rows_in(
        session, statement_columns, lambda chunk: col(s.engagement_id).in_(chunk), engagements
    ):
        keys["statement"].add(row[0])
        actor(row[1], row[2], row[3])
    c = m.Claim
    for row in await _rows_in(
        session,
        [col(c.id), col(c.subject_leader_id), col(c.subject_country_code), col(c.subject_group_id)],
        lambda chunk: col(c.engagement_id).in_(chunk),
        engagements,
    ):
        keys["claim"].add(row[0])
        actor(row[1], row[2], row[3])
    t = m.Stance
    cited_statements: set[int] = set()
    for row in await _rows_in(
        session,
        [col(t.id), col(t.leader_id), col(t.country_code), col(t.group_id), col(t.statement_id)],
        lambda chunk: col(t.claim_id).in_(chunk),
        keys["claim"],
    ):
        keys["stance"].add(row[0])
        actor(row[1], row[2], row[3])
        if row[4] is not None and row[4] not in keys["statement"]:
            cited_statements.add(row[4])
    # Statements the stances cite, and the engagements those belong to (the records only).
    for row in await _rows_in(
        session, statement_columns, lambda chunk: col(s.id).in_(chunk), cited_statements
    ):
        keys["statement"].add(row[0])
        actor(row[1], row[2], row[3])
        if row[4] is not None:
            keys["engagement"].add(row[4])

    # Positions of the included leaders; memberships of the included actors, whose groups come
    # too, with their own memberships, until nothing new comes.
    pos = m.Position
    for row in await _rows_in(
        session,
        [col(pos.id), col(pos.group_id)],
        lambda chunk: col(pos.leader_id).in_(chunk),
        leaders,
    ):
        keys["position"].add(row[0])
        if row[1] is not None:
            groups.add(row[1])
    ms = m.Membership
    new_leaders, new_countries, new_groups = set(leaders), set(countries), set(groups)
    while new_leaders or new_countries or new_groups:
        found: set[int] = set()
        for column, members in (
            (ms.member_leader_id, new_leaders),
            (ms.member_country_code, new_countries),
            (ms.member_group_id, new_groups),
        ):
            for row in await _rows_in(
                session,
                [col(ms.id), col(ms.group_id)],
                lambda chunk, column=column: col(column).in_(chunk),  # type: ignore[misc]
                members,
            ):
                keys["membership"].add(row[0])
                found.add(row[1])
        new_leaders, new_countries = set(), set()
        new_groups = found - groups
        groups |= new_groups
    keys["leader"] = leaders
    keys["group"] = groups

    # Every country an included record names.
    named = set(countries)
    named |= {
        code
        for (code,) in await _rows_in(
            session,
            [col(m.Leader.country_code)],
            lambda chunk: col(m.Leader.id).in_(chunk),
            leaders,
        )
        if code
    }
    named |= {
        code
        for (code,) in await _rows_in(
            session,
            [col(pos.country_code)],
            lambda chunk: col(pos.id).in_(chunk),
            keys["position"],
        )
        if code
    }
    named |= {
        code
        for (code,) in await _rows_in(
            session,
            [col(m.Engagement.location_country_code)],
            lambda chunk: col(m.Engagement.id).in_(chunk),
            keys["engagement"],
        )
        if code
    }
    keys["country"] = named

    # The citations of every included record, and their sources.
    ct = m.Citation
    for target in _CITABLE:
        column = getattr(ct, f"{target}_id")
        for row in await _rows_in(
            session,
            [col(ct.id), col(ct.source_id)],
            lambda chunk, column=column: col(column).in_(chunk),  # type: ignore[misc]
            keys[target],
        ):
            keys["citation"].add(row[0])
            keys["source"].add(row[1])
    return sel


# --- writing a bundle ----------------------------------------------------------------------------


def filter_document(filters: EngagementFilter | None) -> dict[str, Any] | None:
    """The bundle's ``filter``: the options given, canonical (None for a whole database)."""
    if filters is None:
        return None
    out: dict[str, Any] = {}
    if filters.date_from is not None:
        out["from"] = filters.date_from.isoformat()
    if filters.date_to is not None:
        out["to"] = filters.date_to.isoformat()
    if filters.kinds:
        out["kinds"] = sorted({k.value for k in filters.kinds})
    if filters.countries:
        out["countries"] = sorted(set(filters.countries))
    if filters.leaders:
        out["leaders"] = sorted(set(filters.leaders))
    if filters.groups:
        out["groups"] = sorted(set(filters.groups))
    return out


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def read_snapshot(session: AsyncSession) -> None:
    """Make the session's transaction read one consistent snapshot (call it first): REPEATABLE
    READ on PostgreSQL; SQLite's read transaction already is one."""
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _id_order(session: AsyncSession, model: Any) -> Any:
    """Public IDs compared byte for byte on both databases (PostgreSQL's collation aside)."""
    column = col(model.public_id)
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


async def _pages(
    session: AsyncSession, kind: str, keys: set[Any] | None, page_size: int
) -> AsyncIterator[list[Any]]:
    """The rows of one kind (all of them, or those whose key is in ``keys``) in pages, sorted by
    public ID; the session forgets each page once it is written."""
    model: Any = KIND_MODELS[kind]
    order = _id_order(session, model)
    if keys is None:
        last: str | None = None
        while True:
            query = select(model).order_by(order).limit(page_size)
            if last is not None:
                query = query.where(order > last)
            rows = list((await session.execute(query)).scalars())
            if not rows:
                return
            yield rows
            last = rows[-1].public_id
            session.expunge_all()
            if len(rows) < page_size:
                return
        return
    key = col(model.code) if kind == "country" else col(model.id)
    public_ids: list[str] = []
    for chunk in _chunks(keys):
        public_ids.extend(
            (await session.execute(select(col(model.public_id)).where(key.in_(chunk)))).scalars()
        )
    public_ids.sort()
    for start in range(0, len(public_ids), page_size):
        chunk = public_ids[start : start + page_size]
        rows = list(
            (
                await session.execute(
                    select(model).where(col(model.public_id).in_(chunk)).order_by(order)
                )
            ).scalars()
        )
        yield rows
        session.expunge_all()


@dataclass
class ExportCounts:
    by_kind: dict[str, int] = field(default_factory=dict)


async def bundle_chunks(
    session: AsyncSession,
    filters: EngagementFilter | None = None,
    *,
    exported_at: datetime | None = None,
    page_size: int = PAGE_SIZE,
    counts: ExportCounts | None = None,
) -> AsyncIterator[str]:
    """The bundle of the whole database (no filter) or of the slice ``filters`` picks, as text
    chunks to write one after the other. One record per line, kinds in dependency order, each
    sorted by public ID. Call ``read_snapshot`` on a fresh session first for a consistent one."""
    selection = await select_slice(session, filters) if filters is not None else None
    stamp = iso(exported_at or utcnow())
    yield (
        "{\n"
        f'  "format": {_dumps(FORMAT)},\n'
        f'  "version": {VERSION},\n'
        f'  "exportedAt": {_dumps(stamp)},\n'
        f'  "filter": {_dumps(filter_document(filters))},\n'
        '  "records": {\n'
    )
    for position, (plural, kind) in enumerate(KINDS):
        written = 0
        yield f'    "{plural}": ['
        keys = selection.keys[kind] if selection is not None else None
        async for rows in _pages(session, kind, keys, page_size):
            items = await to_dicts(session, kind, rows)
            text = ",\n".join("      " + _dumps(item) for item in items)
            yield ("\n" if written == 0 else ",\n") + text
            written += len(items)
        close = "\n    ]" if written else "]"
        yield close + ("," if position < len(KINDS) - 1 else "") + "\n"
        if counts is not None:
            counts.by_kind[plural] = written
    yield "  }\n}\n"


__all__ = [
    "FORMAT",
    "KINDS",
    "VERSION",
    "BundleError",
    "BundleImportResult",
    "BundleProblem",
    "BundleProgress",
    "BundleSummary",
    "ExportCounts",
    "Selection",
    "bundle_chunks",
    "bundle_schema",
    "check_bundle_file",
    "filter_document",
    "import_bundle",
    "read_snapshot",
    "schema_json",
    "select_slice",
]


if __name__ == "__main__":  # pragma: no cover - `python -m db.bundles > docs/bundle.schema.json`
    import sys

    sys.stdout.write(schema_json())
