"""The OpenAPI document and the /docs page.

- The document is valid OpenAPI 3.1 and the committed openapi.json is the one the code generates.
- The canonical record models (api/rest/schemas.py) match db/serialize.py: every seeded record of
  every kind validates against its model and against the document's schema for it, and a record
  with a field too many or too few does not.
- Filters are typed as the code reads them; IDs match the patterns the document gives them.
- The app serves /openapi.json and /docs; the page references only local assets, and headless
  Chromium, refused every host but this machine, renders every operation and runs one against
  the app.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError as SchemaError  # type: ignore[import-untyped]
from openapi_spec_validator import validate
from pydantic import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.app import create_app
from api.docs import ASSETS_DIR, assets_built, docs_page
from api.rest.openapi import (
    Operation,
    Param,
    Reply,
    build_document,
    document,
    document_json,
)
from api.rest.schemas import RECORDS, id_pattern
from db.ids import country_id, new_id, seed_id
from db.serialize import KIND_MODELS, to_dicts
from db.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def schema_validator(name: str) -> Draft202012Validator:
    """A JSON Schema validator for one component of the document, references resolved in it."""
    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:crisisgraph:openapi", resource)
    return Draft202012Validator(
        {"$ref": f"urn:crisisgraph:openapi#/components/schemas/{name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


# --- the document --------------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    doc = build_document()
    validate(doc)
    assert doc["openapi"] == "3.1.0"


def test_committed_openapi_json_is_the_generated_one() -> None:
    committed = (ROOT / "openapi.json").read_text(encoding="utf-8")
    assert committed == document_json(), "openapi.json is out of date: run `make openapi`"


def test_every_serialised_kind_has_a_record_model() -> None:
    assert set(RECORDS) == set(KIND_MODELS)


@pytest.mark.anyio
async def test_every_seeded_record_matches_its_model(session: AsyncSession) -> None:
    for kind, model in RECORDS.items():
        rows = list((await session.execute(select(KIND_MODELS[kind]))).scalars())
        assert rows, f"the seed has no {kind}: nothing would be checked"
        validator = schema_validator(model.__name__)
        for record in await to_dicts(session, kind, rows):
            model.model_validate_json(json.dumps(record), strict=True)
            validator.validate(record)


@pytest.mark.anyio
async def test_a_record_that_drifted_from_its_model_is_refused(session: AsyncSession) -> None:
    row = (await session.execute(select(KIND_MODELS["engagement"]).limit(1))).scalar_one()
    [record] = await to_dicts(session, "engagement", [row])
    extra = {**record, "venue": "Geneva"}
    missing = {k: v for k, v in record.items() if k != "summary"}
    retyped = {**record, "startDate": "6 December 2021"}
    validator = schema_validator("Engagement")
    for drifted in (extra, missing, retyped):
        with pytest.raises(ValidationError):
            RECORDS["engagement"].model_validate_json(json.dumps(drifted), strict=True)
        with pytest.raises(SchemaError):
            validator.validate(drifted)


def test_filters_are_typed_as_the_code_reads_them() -> None:
    doc = document()
    listed = doc["paths"]["/api/v1/engagements"]["get"]["parameters"]
    params = {p["name"]: p for p in listed if "name" in p}  # filters; the rest are references
    assert params["from"]["schema"] == {"type": "string", "format": "date"}
    assert params["kind"]["schema"]["items"] == {"$ref": "#/components/schemas/EngagementKind"}
    assert (params["kind"]["style"], params["kind"]["explode"]) == ("form", False)
    assert params["q"]["schema"]["type"] == "string"
    assert "Words in the title" in params["q"]["description"]  # GraphQL's description of search
    enum = doc["components"]["schemas"]["EngagementKind"]["enum"]
    assert "MEETING" in enum and "CALL" in enum


def test_ids_match_the_patterns_the_document_gives_them() -> None:
    for kind in RECORDS:
        pattern = re.compile(id_pattern(kind))
        made = country_id("ua") if kind == "country" else new_id(kind)
        assert pattern.match(made), made
        assert pattern.match(country_id("FR") if kind == "country" else seed_id(kind, "x"))
    assert not re.match(id_pattern("engagement"), new_id("leader"))
    assert not re.match(id_pattern("leader", "group"), country_id("UA"))


def test_writes_need_a_key_and_if_match() -> None:
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            statuses = set(operation["responses"])
            assert "500" in statuses, (method, path)
            assert "429" in statuses or not path.startswith("/api/"), (method, path)
            if method == "get":
                continue
            assert operation["security"] == [{"apiKey": []}], (method, path)
            assert {"401", "403"} <= statuses, (method, path)
            if method in ("patch", "delete"):
                refs = [p.get("$ref") for p in operation["parameters"]]
                assert "#/components/parameters/IfMatch" in refs, (method, path)
                assert {"412", "428"} <= statuses, (method, path)


def test_registered_operations_join_the_document() -> None:
    from api.rest.schemas import Participant

    ping = Operation(
        "get",
        "/api/v1/ping",
        "ping",
        "Ping",
        "ops",
        params=(Param.text("echo", "Said back."),),
        responses=(Reply(200, "Pong.", {"type": "array", "items": Participant}),),
        access="public",
    )
    doc = build_document(resources=[], sublists=[], extra=[ping])
    validate(doc)
    operation = doc["paths"]["/api/v1/ping"]["get"]
    assert operation["security"] == []
    assert set(operation["responses"]) == {"200", "500"}
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"type": "array", "items": {"$ref": "#/components/schemas/Participant"}}
    with pytest.raises(ValueError, match="declared twice"):
        build_document(resources=[], sublists=[], extra=[ping, ping])


# --- served --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_app_serves_the_document_and_the_docs_page(settings: Settings) -> None:
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        spec = await client.get("/openapi.json")
        page = await client.get("/docs")
        bundle = await client.get("/static/docs/swagger-ui-bundle.js")
    assert spec.status_code == 200
    assert spec.headers["content-type"] == "application/json"
    assert spec.json() == json.loads(document_json())
    assert page.status_code == 200
    assert page.text == docs_page()
    assert bundle.status_code == (200 if assets_built() else 404)


def test_docs_page_loads_only_local_assets() -> None:
    html = docs_page()
    assert "http://" not in html and "https://" not in html and "//" + "cdn" not in html
    references = re.findall(r'(?:src|href)="([^"]*)"', html) + re.findall(r'url: "([^"]*)"', html)
    assert references, "no references found: the check would pass on anything"
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references), references
    assert "/static/docs/swagger-ui-bundle.js" in references
    assert "/static/docs/swagger-ui.css" in references
    assert "/openapi.json" in references
    assert "validatorUrl: null" in html  # no call to validator.swagger.io


# --- in a browser with no network ----------------------------------------------------------------


@pytest.fixture(scope="module")
def docs_server(settings: Settings) -> Iterator[str]:
    """The app on a free loopback port, in a uvicorn thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.mark.browser
def test_docs_page_renders_every_operation_offline(docs_server: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: `apt-get install -y chromium` to run the browser tests")
    if not assets_built():
        pytest.skip(
            f"API reference assets are not built in {ASSETS_DIR}: "
            "run `npm ci && python scripts/build_docs_assets.py`"
        )
    from playwright.sync_api import Route, expect, sync_playwright

    operations = sum(len(methods) for methods in document()["paths"].values())
    blocked: list[str] = []
    errors: list[str] = []

    def guard(route: Route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in {"data", "blob"} or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.route("**/*", guard)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            page.on(
                "console",
                lambda msg: errors.append(msg.text) if msg.type == "error" else None,
            )
            response = page.goto(f"{docs_server}/docs")
            assert response is not None and response.ok
            expect(page.locator(".opblock")).to_have_count(operations, timeout=60_000)
            expect(page.locator(".info .title")).to_contain_text("crisisgraph REST API")

            # Run one operation from the page: the list of engagements.
            block = page.locator("#operations-engagements-listEngagements")
            block.locator(".opblock-summary").click()
            block.get_by_role("button", name="Try it out").click()
            block.get_by_role("button", name="Execute").click()
            status = block.locator(".live-responses-table .response .response-col_status")
            expect(status.first).to_have_text("200", timeout=30_000)
            expect(block.locator(".live-responses-table .microlight").first).to_contain_text(
                "engagement_"
            )
        finally:
            browser.close()
    assert blocked == [], f"requests to other hosts: {blocked}"
    assert errors == []
