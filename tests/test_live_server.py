"""The API as deployed: `crisisgraph serve` processes (uvicorn) on a migrated, seeded, committed
database, driven by a real GraphQL client (gql) over HTTP and over graphql-transport-ws.

Runs on SQLite, and on PostgreSQL too when CRISISGRAPH_TEST_DATABASE_URL names a server; the
cross-process subscription test needs PostgreSQL (LISTEN/NOTIFY).

Subscriptions: a client cannot tell when the server has started listening for it, so each
subscription test first makes the subscription provably live (`wait_until_live`: matching probe
engagements until one arrives, then a barrier probe to drain the rest). Events then arrive in
commit order, so "the next event is M" after creating X then M proves X was filtered out, and a
closing barrier proves nothing else came between. Every wait is bounded by TIMEOUT.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NoReturn

import anyio
import asyncpg
import pytest
from anyio.streams.memory import MemoryObjectReceiveStream
from gql import Client, GraphQLRequest, gql
from gql.client import AsyncClientSession
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests.conftest import BACKENDS, PG_URL
from tests.graphql_helpers import leader_id
from tests.servers import (
    PreparedDatabase,
    ServerProcess,
    drop_database,
    prepare_database,
    running_server,
)

pytestmark = pytest.mark.anyio

TIMEOUT = 20.0  # seconds, for any one wait on the network or a server
PROBE_WAIT = 0.5  # seconds to wait for one probe before sending the next


def needs_postgresql(why: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not PG_URL, reason=f"needs PostgreSQL ({why}): set CRISISGRAPH_TEST_DATABASE_URL"
    )


LEADER = gql(
    """
    query Leader($name: String!) {
      leader(name: $name) {
        id name
        country { code name }
        positions { title kind startDate endDate country { code } }
      }
    }
    """
)

CREATE_ENGAGEMENT = gql(
    """
    mutation Create($input: CreateEngagementInput!) {
      createEngagement(input: $input) {
        __typename
        ... on Engagement { id title kind startDate location { country { code } } }
        ... on ValidationError { message field }
      }
    }
    """
)

ENGAGEMENT = gql(
    """
    query Engagement($id: ID!) {
      engagement(id: $id) { id title kind mode startDate location { place country { code } } }
    }
    """
)

ENGAGEMENT_ADDED = gql(
    """
    subscription Added($filter: EngagementFilter) {
      engagementAdded(filter: $filter) { id title location { country { code } } }
    }
    """
)


# --------------------------------------------------------------------------------------------
# Databases and servers


@pytest.fixture(scope="module")
def databases(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], PreparedDatabase]]:
    """Prepared databases by kind, made once per module and dropped at its end."""
    made: dict[str, PreparedDatabase] = {}

    def get(kind: str) -> PreparedDatabase:
        if kind not in made:
            directory = tmp_path_factory.mktemp(f"live-{kind}")
            made[kind] = prepare_database(kind, directory, "live", postgres_url=PG_URL)
        return made[kind]

    try:
        yield get
    finally:
        for database in made.values():
            drop_database(database)


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, databases: Callable[[str], PreparedDatabase]
) -> PreparedDatabase:
    kind: str = request.param
    return databases(kind)


@pytest.fixture(scope="module")
def server(
    database: PreparedDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    log_dir = tmp_path_factory.mktemp(f"server-{database.kind}")
    with running_server(database.url, log_dir, name=database.kind) as process:
        yield process


def http_client(server: ServerProcess, key: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else None
    transport = AIOHTTPTransport(url=server.graphql_url, headers=headers, timeout=int(TIMEOUT))
    return Client(transport=transport, execute_timeout=TIMEOUT)


def ws_client(server: ServerProcess, key: str | None = None) -> Client:
    transport = WebsocketsTransport(
        url=server.ws_url,
        headers={"Authorization": f"Bearer {key}"} if key else None,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        connect_timeout=TIMEOUT,
        ack_timeout=TIMEOUT,
        close_timeout=TIMEOUT,
    )
    return Client(transport=transport, execute_timeout=TIMEOUT)


# --------------------------------------------------------------------------------------------
# Queries and mutations over HTTP


async def test_nested_query_over_http(server: ServerProcess) -> None:
    async with http_client(server) as session:
        result = await session.execute(GraphQLRequest(LEADER, variable_values={"name": "Zelenski"}))
    assert result == {
        "leader": {
            "id": leader_id("zelensky"),
            "name": "Volodymyr Zelenskyy",
            "country": {"code": "UA", "name": "Ukraine"},
            "positions": [
                {
                    "title": "President of Ukraine",
                    "kind": "HEAD_OF_STATE",
                    "startDate": "2019-05-20",
                    "endDate": None,
                    "country": {"code": "UA"},
                }
            ],
        }
    }
    server.check_alive()


async def test_mutation_with_a_write_key_commits(
    server: ServerProcess, database: PreparedDatabase
) -> None:
    engagement = {
        "kind": "CALL",
        "mode": "PHONE",
        "title": "Live server: Zelensky calls Scholz",
        "startDate": "2022-01-10",
        "locationCountry": "UA",
        "locationPlace": "Kyiv",
    }
    # without a key the mutation is refused (createEngagement is non-null: data is null)
    async with http_client(server) as anonymous:
        with pytest.raises(TransportQueryError) as refused:
            await anonymous.execute(
                GraphQLRequest(CREATE_ENGAGEMENT, variable_values={"input": engagement})
            )
    assert refused.value.errors is not None
    assert [e["extensions"]["code"] for e in refused.value.errors] == ["UNAUTHENTICATED"]
    assert refused.value.data is None

    # an unknown key is refused before anything runs (a 401 whose JSON body gql reports)
    async with http_client(server, key=database.write_key[:-4] + "AAAA") as forged:
        with pytest.raises(TransportQueryError) as unauthorized:
            await forged.execute(
                GraphQLRequest(CREATE_ENGAGEMENT, variable_values={"input": engagement})
            )
    assert unauthorized.value.errors == [
        {
            "message": "Invalid API key: unknown or revoked",
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ]

    async with http_client(server, key=database.write_key) as writer:
        result = await writer.execute(
            GraphQLRequest(CREATE_ENGAGEMENT, variable_values={"input": engagement})
        )
    created = result["createEngagement"]
    assert created["__typename"] == "Engagement", created
    assert created["id"].startswith("engagement_")
    assert {k: v for k, v in created.items() if k != "id"} == {
        "__typename": "Engagement",
        "title": "Live server: Zelensky calls Scholz",
        "kind": "CALL",
        "startDate": "2022-01-10",
        "location": {"country": {"code": "UA"}},
    }

    # committed: a new connection without a key reads it back
    async with http_client(server) as reader:
        read = await reader.execute(
            GraphQLRequest(ENGAGEMENT, variable_values={"id": created["id"]})
        )
    assert read == {
        "engagement": {
            "id": created["id"],
            "title": "Live server: Zelensky calls Scholz",
            "kind": "CALL",
            "mode": "PHONE",
            "startDate": "2022-01-10",
            "location": {"place": "Kyiv", "country": {"code": "UA"}},
        }
    }
    server.check_alive()


# --------------------------------------------------------------------------------------------
# Subscriptions over graphql-transport-ws

_probes = itertools.count(1)

SETTLE_TIMEOUT = 5.0  # seconds the server may take to end its read once an event is sent


class Subscriber:
    """One `engagementAdded` subscription running in the background; its events are read, in
    order, with `next()`."""

    def __init__(
        self, events: MemoryObjectReceiveStream[dict[str, Any]], server: ServerProcess
    ) -> None:
        self.events = events
        self.server = server
        self.timeout = TIMEOUT

    def fail(self, what: str) -> NoReturn:
        self.server.check_alive()
        pytest.fail(f"{what}; server log:\n{self.server.stderr()}", pytrace=False)

    async def next(self) -> dict[str, Any]:
        """The next engagement received; a test failure (with the server's log) after
        `timeout` seconds without one."""
        try:
            with anyio.fail_after(self.timeout):
                event = await self.events.receive()
        except TimeoutError:
            self.fail(f"no engagementAdded event within {self.timeout} s")
        engagement: dict[str, Any] = event["engagementAdded"]
        return engagement

    async def next_or_none(self, within: float) -> dict[str, Any] | None:
        """The next engagement if one arrives within `within` seconds, else None."""
        with anyio.move_on_after(within):
            event = await self.events.receive()
            engagement: dict[str, Any] = event["engagementAdded"]
            return engagement
        return None


@asynccontextmanager
async def subscribed(
    server: ServerProcess, filter: dict[str, Any] | None, *, key: str | None = None
) -> AsyncIterator[Subscriber]:
    """Subscribe to `engagementAdded` on `server` (gql, graphql-transport-ws; authenticated
    with `key` if given) for the block."""
    send, receive = anyio.create_memory_object_stream[dict[str, Any]](100)
    request = GraphQLRequest(ENGAGEMENT_ADDED, variable_values={"filter": filter})
    try:
        async with ws_client(server, key) as session, anyio.create_task_group() as tasks:

            async def pump() -> None:
                async for event in session.subscribe(request):
                    await send.send(event)

            tasks.start_soon(pump)
            try:
                yield Subscriber(receive, server)
            finally:
                tasks.cancel_scope.cancel()
    except BaseExceptionGroup as group:  # show the one failure, not anyio's group around it
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise
    finally:
        send.close()
        receive.close()


async def create_engagement(writer: AsyncClientSession, title: str, country: str) -> dict[str, Any]:
    """Create (and commit) an engagement that took place in `country`; it has no participants."""
    result = await writer.execute(
        GraphQLRequest(
            CREATE_ENGAGEMENT,
            variable_values={
                "input": {
                    "kind": "MEETING",
                    "title": title,
                    "startDate": "2022-02-01",
                    "locationCountry": country,
                }
            },
        )
    )
    created: dict[str, Any] = result["createEngagement"]
    assert created["__typename"] == "Engagement", created
    return created


async def wait_until_live(
    subscriber: Subscriber, writer: AsyncClientSession, country: str
) -> dict[str, Any]:
    """Make sure the subscription is live and drained: create probe engagements (in `country`,
    so the subscription's filter lets them through) until one arrives, then one more (a barrier)
    and read up to it. Returns the barrier."""
    try:
        with anyio.fail_after(subscriber.timeout):
            while True:
                await create_engagement(writer, f"probe {next(_probes)}", country)
                if await subscriber.next_or_none(PROBE_WAIT) is not None:
                    break
    except TimeoutError:
        subscriber.fail(f"no probe arrived within {subscriber.timeout} s")
    return await barrier(subscriber, writer, country)


async def barrier(
    subscriber: Subscriber, writer: AsyncClientSession, country: str
) -> dict[str, Any]:
    """Create a probe and read events up to it; all of them must be probes."""
    marker = await create_engagement(writer, f"probe {next(_probes)} (barrier)", country)
    while True:
        event = await subscriber.next()
        assert event["title"].startswith("probe "), f"unexpected event {event}"
        if event["id"] == marker["id"]:
            return event


async def assert_filtered_delivery(
    subscriber: Subscriber, writer: AsyncClientSession, label: str
) -> None:
    """Through a live subscription filtered on UA: an engagement in France, then one in
    Ukraine; exactly the Ukrainian one arrives, once."""
    await wait_until_live(subscriber, writer, "UA")
    excluded = await create_engagement(writer, f"{label}: talks in Paris", "FR")
    included = await create_engagement(writer, f"{label}: talks in Kyiv", "UA")

    received = await subscriber.next()
    assert received == {
        "id": included["id"],
        "title": f"{label}: talks in Kyiv",
        "location": {"country": {"code": "UA"}},
    }, f"expected only {included['id']} (not {excluded['id']})"
    # nothing else (no copy, nothing late) before a barrier created after it
    await barrier(subscriber, writer, "UA")


@pytest.mark.parametrize("subscriber_key", [False, True], ids=["anonymous", "with-key"])
async def test_subscription_receives_a_mutation_on_the_same_server(
    server: ServerProcess,
    database: PreparedDatabase,
    subscriber_key: bool,
) -> None:
    async with http_client(server, key=database.write_key) as writer:
        # The key was used just now, so authenticating the socket with it writes nothing.
        await writer.execute(gql("{ __typename }"))
        key = database.write_key if subscriber_key else None
        async with subscribed(server, {"countries": ["UA"]}, key=key) as subscriber:
            await assert_filtered_delivery(subscriber, writer, f"same server ({database.kind})")
    server.check_alive()


@needs_postgresql("LISTEN/NOTIFY across server processes")
async def test_subscription_receives_a_mutation_on_another_process(
    databases: Callable[[str], PreparedDatabase], tmp_path: Path
) -> None:
    database = databases("postgresql")
    with (
        running_server(database.url, tmp_path, name="A") as process_a,
        running_server(database.url, tmp_path, name="B") as process_b,
    ):
        assert process_a.port != process_b.port
        async with (
            subscribed(process_a, {"countries": ["UA"]}) as subscriber,
            http_client(process_b, key=database.write_key) as writer,
        ):
            await assert_filtered_delivery(subscriber, writer, "across processes")
        process_a.check_alive()
        process_b.check_alive()


async def transactions_left_open(database: PreparedDatabase) -> list[str]:
    """The queries of the database's connections that sit idle in a transaction."""
    dsn = database.url.replace("postgresql+asyncpg://", "postgresql://", 1)
    name = dsn.rsplit("/", 1)[1]
    connection = await asyncpg.connect(dsn, timeout=TIMEOUT)
    try:
        rows = await connection.fetch(
            "SELECT query FROM pg_stat_activity"
            " WHERE datname = $1 AND state = 'idle in transaction' AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await connection.close()
    return [row["query"] for row in rows]


@needs_postgresql("pg_stat_activity shows the server's connections")
async def test_a_waiting_subscription_holds_no_transaction(
    databases: Callable[[str], PreparedDatabase], tmp_path: Path
) -> None:
    database = databases("postgresql")
    with running_server(database.url, tmp_path) as server:
        async with (
            subscribed(server, {"countries": ["UA"]}) as subscriber,
            http_client(server, key=database.write_key) as writer,
        ):
            await wait_until_live(subscriber, writer, "UA")  # the subscription has read
            # The server ends its read after sending the event: allow it a moment.
            open_ = await transactions_left_open(database)
            for _ in range(int(SETTLE_TIMEOUT / 0.1)):
                if not open_:
                    break
                await anyio.sleep(0.1)
                open_ = await transactions_left_open(database)
            assert open_ == [], "connections idle in transaction while the subscriber waits"
        server.check_alive()
