"""When a position or membership is in force: from its start date (inclusive) to its end date
(exclusive: on the day one chancellor's tenure ends, the next one's begins). A missing start means
"since before our records"; a missing end means "still in force"."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_


def in_force_on(start: Any, end: Any, day: date) -> ColumnElement[bool]:
    return and_(or_(start.is_(None), start <= day), or_(end.is_(None), end > day))
