"""API keys on /graphql: reads are public; `Authorization: Bearer <key>` puts the key's scopes
and name into the context; a malformed header or an unknown or revoked key is a 401 with a
GraphQL-shaped body and a `WWW-Authenticate: Bearer` challenge, and nothing runs;
`require_scope` refuses without a key (UNAUTHENTICATED) or without the scope (FORBIDDEN)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import pytest
import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col
from starlette.applications import Starlette
from starlette.routing import Route

import api.auth
from api.app import create_app
from api.graphql import GraphQLApp
from db.keys import create_key, revoke_key
from db.models import ApiKey
from db.settings import Settings
from schema.context import Info
from schema.errors import UserError
from schema.extensions import SqlStatsExtension
from schema.security import require_scope, security_extensions

GRAPHQL_RESPONSE = "application/graphql-response+json"
UKRAINE = '{ country(code: "UA") { name } }'
UNKNOWN_SECRET = "cg_AAAAAAAA_" + "A" * 43  # the right form, no such key
MALFORMED = {
    "errors": [
        {
            "message": "Malformed Authorization header: expected 'Bearer <API key>'",
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ]
}
INVALID = {
    "errors": [
        {
            "message": "Invalid API key: unknown or revoked",
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ]
}


def in_test_transaction(connection: AsyncConnection) -> AsyncSession:
    return AsyncSession(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


async def make_key(connection: AsyncConnection, name: str, scopes: str) -> str:
    session = in_test_transaction(connection)
    _, secret = await create_key(session, name, scopes)
    await session.commit()
    await session.close()
    return secret


@pytest.fixture
async def read_key(connection: AsyncConnection) -> str:
    return await make_key(connection, "reader", "read")


@pytest.fixture
async def write_key(connection: AsyncConnection) -> str:
    return await make_key(connection, "writer", "write")


@pytest.fixture
async def revoked_key(connection: AsyncConnection) -> str:
    secret = await make_key(connection, "former", "write")
    session = in_test_transaction(connection)
    await revoke_key(session, "former")
    await session.commit()
    await session.close()
    return secret


async def post(
    http: httpx.AsyncClient, query: str, *, authorization: str | None = None
) -> httpx.Response:
    headers = {"Accept": GRAPHQL_RESPONSE}
    if authorization is not None:
        headers["Authorization"] = authorization
    return await http.post("/graphql", json={"query": query}, headers=headers)


# A schema that shows what the context holds, and a field guarded by require_scope, served by
# the real view (its authentication and error handling) on the test's transaction.


@strawberry.type
class Caller:
    name: str | None
    scopes: list[str]


@strawberry.type
class Query:
    @strawberry.field
    def caller(self, info: Info) -> Caller:
        return Caller(name=info.context.key_name, scopes=sorted(info.context.key_scopes))

    @strawberry.field
    def guarded(self, info: Info) -> str:
        require_scope(info, "write")
        return "written"


PROBE_SCHEMA = strawberry.Schema(
    query=Query, extensions=[SqlStatsExtension, *security_extensions()]
)
PROBE = "{ caller { name scopes } }"


@pytest.fixture
async def probe(
    connection: AsyncConnection, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    view = GraphQLApp(
        settings.model_copy(update={"sql_stats": True}),
        lambda: lambda: in_test_transaction(connection),
        schema=PROBE_SCHEMA,
    )
    app = Starlette(routes=[Route("/graphql", view, methods=["GET", "POST"])])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# --------------------------------------------------------------------------------------------
# through the real app


@pytest.mark.anyio
async def test_reads_are_public(client: httpx.AsyncClient) -> None:
    response = await post(client, UKRAINE)
    assert (response.status_code, response.json()["data"]) == (
        200,
        {"country": {"name": "Ukraine"}},
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "", "Bearer two words", "cg_x"],
)
async def test_a_malformed_authorization_header_is_401(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await post(client, UKRAINE, authorization=authorization)
    assert response.status_code == 401
    assert (
        response.headers["www-authenticate"]
        == 'Bearer realm="crisisgraph", error="invalid_request"'
    )
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == MALFORMED  # no data, no SQL statistics: nothing ran


@pytest.mark.anyio
@pytest.mark.parametrize("secret", [UNKNOWN_SECRET, "not-a-key"])
async def test_an_unknown_key_is_401(client: httpx.AsyncClient, secret: str) -> None:
    response = await post(client, UKRAINE, authorization=f"Bearer {secret}")
    assert response.status_code == 401
    assert (
        response.headers["www-authenticate"] == 'Bearer realm="crisisgraph", error="invalid_token"'
    )
    assert response.json() == INVALID


@pytest.mark.anyio
async def test_a_revoked_key_is_401(client: httpx.AsyncClient, revoked_key: str) -> None:
    response = await post(client, UKRAINE, authorization=f"Bearer {revoked_key}")
    assert response.status_code == 401
    assert (
        response.headers["www-authenticate"] == 'Bearer realm="crisisgraph", error="invalid_token"'
    )
    assert response.json() == INVALID


@pytest.mark.anyio
async def test_a_mutation_with_a_bad_key_runs_nothing(client: httpx.AsyncClient) -> None:
    response = await post(
        client, "mutation { __typename }", authorization=f"Bearer {UNKNOWN_SECRET}"
    )
    assert (response.status_code, response.json()) == (401, INVALID)


@pytest.mark.anyio
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_a_valid_key_is_accepted(
    client: httpx.AsyncClient, read_key: str, scheme: str
) -> None:
    response = await post(client, UKRAINE, authorization=f"{scheme} {read_key}")
    assert (response.status_code, response.json()["data"]) == (
        200,
        {"country": {"name": "Ukraine"}},
    )


@pytest.mark.anyio
async def test_the_keys_last_use_is_committed(
    client: httpx.AsyncClient, connection: AsyncConnection, read_key: str
) -> None:
    async def last_used() -> Any:
        result = await connection.execute(
            select(col(ApiKey.last_used_at)).where(col(ApiKey.name) == "reader")
        )
        return result.scalar_one()

    assert await last_used() is None
    response = await post(client, UKRAINE, authorization=f"Bearer {read_key}")
    assert response.status_code == 200
    # the request's session is closed; had it not committed, its savepoint would be rolled back
    assert await last_used() is not None


@pytest.mark.anyio
async def test_a_failure_while_authenticating_is_a_json_500_with_an_error_id(
    client: httpx.AsyncClient,
    read_key: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def database_down(session: AsyncSession, secret: str) -> None:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(api.auth, "authenticate", database_down)
    caplog.set_level(logging.ERROR, logger="api.graphql")

    response = await post(client, UKRAINE, authorization=f"Bearer {read_key}")

    assert response.status_code == 500
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    error_id = response.json()["errors"][0]["extensions"]["errorId"]
    assert response.json() == {
        "errors": [
            {
                "message": "Internal server error",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
            }
        ]
    }
    assert "database down" not in response.text
    [logged] = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged.exc_info is not None and logged.exc_info[0] is ConnectionRefusedError


# --------------------------------------------------------------------------------------------
# the context and require_scope, through the view


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("granted", "name", "scopes", "guarded", "code"),
    [
        (None, None, [], None, "UNAUTHENTICATED"),
        ("read", "reader", ["read"], None, "FORBIDDEN"),
        ("write", "writer", ["read", "write"], "written", None),
    ],
    ids=["no-key", "read", "write"],
)
async def test_the_context_carries_the_keys_scopes_and_require_scope_checks_them(
    probe: httpx.AsyncClient,
    connection: AsyncConnection,
    granted: str | None,
    name: str,
    scopes: list[str],
    guarded: str | None,
    code: str | None,
) -> None:
    authorization = None
    if granted is not None:
        authorization = f"Bearer {await make_key(connection, name, granted)}"
    caller = await post(probe, PROBE, authorization=authorization)
    write = await post(probe, "{ guarded }", authorization=authorization)

    assert caller.status_code == 200
    assert caller.json()["data"] == {"caller": {"name": name, "scopes": scopes}}
    assert write.status_code == 200
    body = write.json()
    if code is None:
        assert body["data"] == {"guarded": guarded}
        assert "errors" not in body
    else:
        assert body["data"] is None  # `guarded` is non-null
        assert [(e["path"], e["extensions"]) for e in body["errors"]] == [
            (["guarded"], {"code": code})
        ]


@pytest.mark.parametrize(
    ("scopes", "name", "code"),
    [
        (frozenset(), None, "UNAUTHENTICATED"),
        (frozenset({"read"}), "reader", "FORBIDDEN"),
        (frozenset({"read", "write"}), "writer", None),
    ],
)
def test_require_scope_on_its_own(
    scopes: frozenset[str], name: str | None, code: str | None
) -> None:
    info: Any = SimpleNamespace(context=SimpleNamespace(key_scopes=scopes, key_name=name))
    if code is None:
        require_scope(info, "write")
        return
    with pytest.raises(UserError) as raised:
        require_scope(info, "write")
    assert raised.value.extensions == {"code": code}


@pytest.mark.anyio
async def test_a_websocket_with_a_malformed_authorization_is_closed_with_4401(
    settings: Settings,
) -> None:
    # A malformed header is refused before any database access: the session is never used.
    app = create_app(settings, sessions=lambda: AsyncSession())
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", b"Basic dXNlcjpwYXNz"),
            (b"sec-websocket-protocol", b"graphql-transport-ws"),
        ],
        "subprotocols": ["graphql-transport-ws"],
    }
    incoming: list[dict[str, Any]] = [{"type": "websocket.connect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with anyio.fail_after(5):
        await app(scope, receive, send)
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    assert (sent[1]["code"], sent[1]["reason"]) == (
        4401,
        "Malformed Authorization header: expected 'Bearer <API key>'",
    )
