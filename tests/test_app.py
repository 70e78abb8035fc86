from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from db.settings import Settings

pytestmark = pytest.mark.anyio


async def test_healthz_and_front_page(settings: Settings) -> None:
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        health = await client.get("/healthz")
        front = await client.get("/")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert front.status_code == 200
    assert front.headers["content-type"] == "text/html; charset=utf-8"
    assert '<a href="/healthz">' in front.text
