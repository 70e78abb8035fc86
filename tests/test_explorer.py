"""The GraphiQL explorer at /graphql works with no internet: headless Chromium loads the page from
a real uvicorn server, every request to a host other than this machine is refused, and the page
must still render GraphiQL with the explorer plugin, run queries and show their results.

The app under test comes from the `app` fixture alone; to test the real application, make it
return `api.app.create_app(settings)` once its /graphql view serves `explorer_page()`.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.request
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import strawberry
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Route as BrowserRoute
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp
from strawberry.asgi import GraphQL

from api.explorer import ASSETS_DIR, assets_built, explorer_page, static_mount

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Set this to a path to keep a screenshot of the explorer after it ran a query.
SCREENSHOT_ENV = "CRISISGRAPH_EXPLORER_SCREENSHOT"

CHROMIUM_MISSING = f"{CHROMIUM} is absent: `apt-get install -y chromium` to run the browser tests"
ASSETS_MISSING = (
    f"explorer assets are not built in {ASSETS_DIR}: "
    "run `npm ci && python scripts/build_explorer.py`"
)


# A tiny schema standing in for the real one until the real /graphql view lands.
@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str | None:
        return "world"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def countdown(self, start: int = 3) -> AsyncGenerator[int, None]:
        for n in range(start, 0, -1):
            yield n


class ExplorerGraphQL(GraphQL):
    """Strawberry's ASGI view, answering a browser's GET with our offline page."""

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(explorer_page())


def build_test_app() -> Starlette:
    graphql = ExplorerGraphQL(strawberry.Schema(query=Query, subscription=Subscription))
    return Starlette(
        routes=[
            static_mount(),
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
        ]
    )


@pytest.fixture(scope="module")
def app() -> ASGIApp:
    """The app under test: the one fixture to change to test `api.app.create_app()`."""
    return build_test_app()


@pytest.fixture(scope="module")
def base_url(app: ASGIApp) -> Iterator[str]:
    """A real uvicorn server for `app` on a free loopback port, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    if not assets_built():
        pytest.skip(ASSETS_MISSING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OfflinePage:
    page: Page
    blocked: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOCAL_HOSTS


@pytest.fixture
def offline(browser: Browser) -> Iterator[OfflinePage]:
    """A fresh page that refuses, and records, every request to a host not on this machine."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    result = OfflinePage(page)

    def guard(route: BrowserRoute) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            result.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    # Requests the router may not see (service workers, pre-connects) and WebSockets.
    page.on("request", lambda r: None if is_local(r.url) else result.blocked.append(r.url))
    page.on("websocket", lambda ws: result.websockets.append(ws.url))
    page.on("pageerror", lambda exc: result.errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: result.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    try:
        yield result
    finally:
        context.close()


def open_explorer(offline: OfflinePage, base_url: str) -> Page:
    page = offline.page
    response = page.goto(f"{base_url}/graphql")
    assert response is not None
    assert response.ok
    assert response.headers["content-type"].startswith("text/html")
    expect(page.locator(QUERY_EDITOR)).to_be_visible(timeout=15_000)
    return page


def set_query(page: Page, query: str) -> None:
    """Replace the query editor's text, and wait until GraphiQL has parsed it (it does so 100 ms
    after the last change; running earlier would send the previous operation's kind)."""
    page.locator(QUERY_EDITOR).click()
    page.evaluate(
        "([selector, q]) => document.querySelector(selector).CodeMirror.setValue(q)",
        [QUERY_EDITOR, query],
    )
    page.wait_for_function(
        """selector => {
            const cm = document.querySelector(selector).CodeMirror;
            const text = cm.getValue();
            if (text.trim() === "") return cm.documentAST === null;
            return !!cm.documentAST && cm.documentAST.loc.source.body === text;
        }""",
        arg=QUERY_EDITOR,
    )


def assert_stayed_local(offline: OfflinePage) -> None:
    assert offline.blocked == [], f"requests to other hosts: {offline.blocked}"
    assert all(is_local(url) for url in offline.websockets), offline.websockets
    assert offline.errors == []


def test_page_loads_only_local_assets() -> None:
    html = explorer_page()
    assert "/static/explorer/graphiql.min.js" in html
    assert "/static/explorer/plugin-explorer.umd.js" in html
    assert "https://" not in html
    assert "http://" not in html


@pytest.mark.browser
def test_explorer_runs_a_query_offline(offline: OfflinePage, base_url: str, tmp_path: Path) -> None:
    page = open_explorer(offline, base_url)

    # The explorer plugin is there, and open.
    expect(page.get_by_role("button", name="Hide GraphiQL Explorer")).to_be_visible()
    explorer = page.locator(".graphiql-explorer-root")
    expect(explorer).to_be_visible()
    expect(explorer).to_contain_text("hello")  # it read the schema through the fetcher

    set_query(page, "{ hello }")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/graphql")) as sent:
        page.locator(".graphiql-execute-button").click()
    assert sent.value.headers["accept"] == "application/graphql-response+json, application/json"
    assert sent.value.post_data_json["query"] == "{ hello }"
    expect(page.locator(".graphiql-response")).to_contain_text('"hello": "world"')

    page.screenshot(path=os.environ.get(SCREENSHOT_ENV) or str(tmp_path / "explorer.png"))
    assert_stayed_local(offline)


@pytest.mark.browser
def test_explorer_plugin_builds_the_query(offline: OfflinePage, base_url: str) -> None:
    page = open_explorer(offline, base_url)
    set_query(page, "")

    # Ticking a field in the explorer writes the query; Ctrl+Enter runs it.
    page.locator(".graphiql-explorer-root").get_by_text("hello", exact=True).click()
    expect(page.locator(".graphiql-query-editor")).to_contain_text("hello")
    page.locator(QUERY_EDITOR).click()
    page.keyboard.press("Control+Enter")
    expect(page.locator(".graphiql-response")).to_contain_text('"hello": "world"')
    assert_stayed_local(offline)


def has_countdown_subscription(base_url: str) -> bool:
    body = json.dumps({"query": "{ __schema { subscriptionType { fields { name } } } }"})
    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=body.encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        subscriptions = json.load(response)["data"]["__schema"]["subscriptionType"]
    return subscriptions is not None and any(
        f["name"] == "countdown" for f in subscriptions["fields"]
    )


@pytest.mark.browser
def test_explorer_runs_a_subscription_over_websocket(offline: OfflinePage, base_url: str) -> None:
    if not has_countdown_subscription(base_url):
        pytest.skip("the schema under test has no `countdown` subscription")
    page = open_explorer(offline, base_url)

    set_query(page, "subscription { countdown(start: 3) }")
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text('"countdown": 1')

    host = urlsplit(base_url).netloc
    assert f"ws://{host}/graphql" in offline.websockets
    assert_stayed_local(offline)
