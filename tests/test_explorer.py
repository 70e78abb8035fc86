"""The GraphiQL explorer at /graphql works with no internet: headless Chromium loads the page from
the real application (`crisisgraph serve`, a uvicorn process on a migrated and seeded SQLite file,
see tests/servers.py), every request to a host other than this machine is refused, and the page
must still render GraphiQL with the explorer plugin, run queries and subscriptions, and show their
results.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect, sync_playwright
from playwright.sync_api import Request as BrowserRequest
from playwright.sync_api import Route as BrowserRoute
from playwright.sync_api import WebSocket as BrowserWebSocket

from api.explorer import ASSETS_DIR, assets_built, explorer_page
from tests.servers import (
    PreparedDatabase,
    ServerProcess,
    post_graphql,
    prepared_database,
    running_server,
)

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

# The longest wait for a subscription's result (the server may start listening a moment after
# GraphiQL sent the subscription).
RESULT_TIMEOUT_MS = 20_000


def skip_without_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    if not assets_built():
        pytest.skip(ASSETS_MISSING)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreparedDatabase]:
    """A migrated SQLite file with the seed and a write key, committed for the server."""
    skip_without_browser()  # no need for a database the tests cannot use
    with prepared_database("sqlite", tmp_path_factory.mktemp("explorer-db"), "explorer") as db:
        yield db


@pytest.fixture(scope="module")
def server(
    database: PreparedDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """The real application: `crisisgraph serve` on a free loopback port."""
    with running_server(database.url, tmp_path_factory.mktemp("explorer-server")) as process:
        yield process


@pytest.fixture(scope="module")
def base_url(server: ServerProcess) -> str:
    return server.base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    skip_without_browser()
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
    frames_sent: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self, websocket: BrowserWebSocket) -> None:
        self.websockets.append(websocket.url)
        websocket.on("framesent", lambda payload: self.frames_sent.append(str(payload)))


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

    def guard_websocket(route: WebSocketRoute) -> None:
        result.blocked.append(route.url)
        route.close()

    context.route("**/*", guard)
    context.route_web_socket(lambda url: not is_local(url), guard_websocket)
    # Requests the router may not see (service workers, pre-connects) and WebSockets.
    page.on("request", lambda r: None if is_local(r.url) else result.blocked.append(r.url))
    page.on("websocket", result.watch)
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


def sent_query(request: BrowserRequest) -> str:
    """The GraphQL document a POST to /graphql carried."""
    body = request.post_data_json
    assert isinstance(body, dict), request.post_data
    query: str = body["query"]
    return query


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
    expect(explorer).to_contain_text("leaders")  # it read the schema through the fetcher

    query = '{ country(code: "UA") { name } }'
    set_query(page, query)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/graphql")) as sent:
        page.locator(".graphiql-execute-button").click()
    assert sent.value.headers["accept"] == "application/graphql-response+json, application/json"
    assert sent_query(sent.value) == query
    expect(page.locator(".graphiql-response")).to_contain_text('"name": "Ukraine"')

    page.screenshot(path=os.environ.get(SCREENSHOT_ENV) or str(tmp_path / "explorer.png"))
    assert_stayed_local(offline)


@pytest.mark.browser
def test_explorer_plugin_builds_the_query(offline: OfflinePage, base_url: str) -> None:
    page = open_explorer(offline, base_url)
    set_query(page, "")

    # Ticking fields in the explorer writes the query; Ctrl+Enter runs it.
    explorer = page.locator(".graphiql-explorer-root")
    explorer.get_by_text("countries", exact=True).click()
    explorer.get_by_text("totalCount", exact=True).click()
    editor = page.locator(".graphiql-query-editor")
    expect(editor).to_contain_text("countries")
    expect(editor).to_contain_text("totalCount")
    page.locator(QUERY_EDITOR).click()
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/graphql")) as sent:
        page.keyboard.press("Control+Enter")
    assert " ".join(sent_query(sent.value).split()) == "query MyQuery { countries { totalCount } }"
    expect(page.locator(".graphiql-response")).to_contain_text('"totalCount": 249')
    assert_stayed_local(offline)


ENGAGEMENT_ADDED = """subscription {
  engagementAdded(filter: {countries: ["UA"]}) { title location { country { code } } }
}"""
CREATE_ENGAGEMENT = """mutation ($input: CreateEngagementInput!) {
  createEngagement(input: $input) { __typename ... on Engagement { id title } }
}"""


def wait_for_subscribe_frame(offline: OfflinePage) -> None:
    """Wait until GraphiQL has sent a graphql-transport-ws `subscribe` message."""
    for _ in range(RESULT_TIMEOUT_MS // 50):
        if any('"subscribe"' in frame for frame in offline.frames_sent):
            return
        offline.page.wait_for_timeout(50)
    pytest.fail(f"GraphiQL sent no subscribe message; frames sent: {offline.frames_sent}")


@pytest.mark.browser
def test_explorer_runs_a_subscription_over_websocket(
    offline: OfflinePage, server: ServerProcess, database: PreparedDatabase
) -> None:
    page = open_explorer(offline, server.base_url)
    set_query(page, ENGAGEMENT_ADDED)
    page.locator(".graphiql-execute-button").click()
    wait_for_subscribe_frame(offline)

    # The server may start listening a moment after the subscribe message: create the
    # engagement (again, a bounded number of times) until the subscription shows it.
    title = "Explorer: talks in Kyiv"
    response = page.locator(".graphiql-response")
    for attempt in range(1, 11):
        created = post_graphql(
            server,
            CREATE_ENGAGEMENT,
            {
                "input": {
                    "kind": "MEETING",
                    "title": title,
                    "startDate": "2022-02-01",
                    "locationCountry": "UA",
                }
            },
            key=database.write_key,
        )
        assert created["data"]["createEngagement"]["__typename"] == "Engagement", created
        try:
            expect(response).to_contain_text(f'"title": "{title}"', timeout=RESULT_TIMEOUT_MS // 10)
            break
        except AssertionError:
            if attempt == 10:
                server.check_alive()
                raise
    expect(response).to_contain_text('"code": "UA"')

    host = urlsplit(server.base_url).netloc
    assert f"ws://{host}/graphql" in offline.websockets
    assert_stayed_local(offline)
