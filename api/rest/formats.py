"""Response formats for lists: JSON (paged), CSV and NDJSON (streamed). Chosen by ``format=`` or,
without it, by the Accept header; anything else is a 406."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from api.rest.params import Params
from api.rest.problems import Problem

JSON, CSV, NDJSON = "json", "csv", "ndjson"
MEDIA_TYPES = {
    JSON: "application/json",
    CSV: "text/csv; charset=utf-8",
    NDJSON: "application/x-ndjson",
}
EXTENSIONS = {JSON: "json", CSV: "csv", NDJSON: "ndjson"}
_BY_MEDIA = {
    "application/json": JSON,
    "text/csv": CSV,
    "application/x-ndjson": NDJSON,
    "application/ndjson": NDJSON,
}


def negotiate(request: Request, params: Params) -> str:
    chosen = params.text("format")
    if chosen is not None:
        if chosen.lower() not in EXTENSIONS:
            raise Problem(
                400, f"format is one of json, csv, ndjson, not {chosen!r}", param="format"
            )
        return chosen.lower()
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return JSON
    ranges = []
    for part in accept.split(","):
        media, *options = (p.strip() for p in part.split(";"))
        quality = 1.0
        for option in options:
            if option.startswith("q="):
                try:
                    quality = float(option[2:])
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality))
    for media, quality in sorted(ranges, key=lambda r: -r[1]):
        if quality <= 0:
            continue
        if media in ("*/*", "application/*", "application/problem+json"):
            return JSON
        if media in _BY_MEDIA:
            return _BY_MEDIA[media]
        if media == "text/*":
            return CSV
    raise Problem(
        406,
        "this list is served as application/json, text/csv or application/x-ndjson",
        param="Accept",
    )


@dataclass
class CsvShape:
    """A flat table for analysts: fixed columns, one row per record."""

    columns: Sequence[str]
    rows: Callable[[AsyncSession, Sequence[Any]], Awaitable[list[dict[str, Any]]]]


def _csv_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def flatten(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become ``parent_child`` columns (location → location_country ...)."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key != "attributes":
            out.update(flatten(value, f"{name}_"))
        else:
            out[name] = value
    return out


async def encode(
    media: str, batches: AsyncIterator[list[dict[str, Any]]], shape: CsvShape | None
) -> AsyncIterator[bytes]:
    if media == NDJSON:
        async for batch in batches:
            yield "".join(
                json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n" for item in batch
            ).encode()
        return
    header: list[str] | None = list(shape.columns) if shape else None
    buffer = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    async for batch in batches:
        flat = [item if shape else flatten(item) for item in batch]
        if writer is None:
            if header is None:
                header = list(flat[0]) if flat else ["id"]
            writer = csv.DictWriter(
                buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n"
            )
            writer.writeheader()
        for item in flat:
            writer.writerow({k: _csv_value(v) for k, v in item.items()})
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if writer is None:
        yield (",".join(header or ["id"]) + "\n").encode()
