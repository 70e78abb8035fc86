"""Cursors at the data layer: a cursor carries its ordering's name and is checksummed; even a
correctly signed cursor whose values have the wrong types never reaches the database."""

from __future__ import annotations

import base64
import json

import pytest

from db.engagements import ENGAGEMENT_ORDERINGS
from db.errors import ValidationError
from db.paging import _sign, decode_cursor

ORDER = ENGAGEMENT_ORDERINGS["START_DATE_DESC"]


def _forge(name: str, values: list[object]) -> str:
    payload = json.dumps([name, values]).encode()
    return base64.urlsafe_b64encode(payload + b"." + _sign(payload).encode()).decode().rstrip("=")


def test_a_signed_cursor_decodes() -> None:
    cursor = _forge(ORDER.name, [{"$d": "2021-12-06"}, 7])
    assert [str(v) for v in decode_cursor(ORDER, cursor, argument="after")] == ["2021-12-06", "7"]


@pytest.mark.parametrize(
    "values", [["2021-12-06", 7], [{"$d": "2021-12-06"}, "7"], [1, 2], [None, 7]]
)
def test_signed_cursor_with_wrong_types_is_refused(values: list[object]) -> None:
    with pytest.raises(ValidationError) as info:
        decode_cursor(ORDER, _forge(ORDER.name, values), argument="after")
    assert info.value.field == "after"
