"""GraphQL over HTTP at /graphql, as the GraphQL-over-HTTP specification has it: GET for queries,
POST for everything, mutations over GET refused with 405; the answer's media type negotiated
from Accept; with application/graphql-response+json, 200 once execution started and 400 for a
request error (no `data`); 406 and 415 for what cannot be served; every error a JSON body."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.anyio

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
UKRAINE = '{ country(code: "UA") { name } }'
UKRAINE_DATA = {"country": {"name": "Ukraine"}}


def error_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


async def send(
    http: httpx.AsyncClient,
    method: str,
    *,
    accept: str | None = GRAPHQL_RESPONSE,
    content: str | bytes | None = None,
    content_type: str | None = JSON,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    """A request with exactly these Accept and Content-Type headers (None: no header)."""
    request = http.build_request(method, "/graphql", content=content, params=params)
    for name, value in (("accept", accept), ("content-type", content_type)):
        if name in request.headers:
            del request.headers[name]
        if value is not None:
            request.headers[name] = value
    return await http.send(request)


async def post_json(
    http: httpx.AsyncClient, payload: Any, *, accept: str | None = GRAPHQL_RESPONSE
) -> httpx.Response:
    return await send(http, "POST", accept=accept, content=json.dumps(payload))


def sql_free(body: dict[str, Any]) -> dict[str, Any]:
    """The body without the SQL statistics extension the test app adds."""
    return {k: v for k, v in body.items() if k != "extensions"}


# --------------------------------------------------------------------------------------------
# GET and POST


async def test_get_runs_a_query(client: httpx.AsyncClient) -> None:
    response = await send(
        client,
        "GET",
        accept=JSON,
        content_type=None,
        params={
            "query": "query Country($code: String!) { country(code: $code) { name } }",
            "variables": json.dumps({"code": "UA"}),
            "operationName": "Country",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert sql_free(response.json()) == {"data": UKRAINE_DATA}


async def test_get_refuses_a_mutation_with_405(client: httpx.AsyncClient) -> None:
    # refused on the operation type, before validation: nothing runs
    response = await send(
        client, "GET", content_type=None, params={"query": "mutation { __typename }"}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == error_body(
        "Mutations are not allowed over GET: send them with POST", "METHOD_NOT_ALLOWED"
    )


async def test_post_runs_a_mutation_operation(client: httpx.AsyncClient) -> None:
    response = await post_json(client, {"query": "mutation { __typename }"})
    assert response.status_code == 200
    assert sql_free(response.json()) == {"data": {"__typename": "Mutation"}}


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_subscriptions_are_refused_over_http(client: httpx.AsyncClient, method: str) -> None:
    query = "subscription { engagementAdded { id } }"
    if method == "GET":
        response = await send(client, "GET", content_type=None, params={"query": query})
    else:
        response = await post_json(client, {"query": query})
    assert response.status_code == 400
    assert response.json() == error_body(
        "Subscriptions are served over WebSocket (graphql-transport-ws)", "BAD_REQUEST"
    )


async def test_a_browser_get_without_a_query_gets_the_explorer(client: httpx.AsyncClient) -> None:
    response = await send(client, "GET", accept="text/html,*/*;q=0.8", content_type=None)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"


# --------------------------------------------------------------------------------------------
# content negotiation


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, {JSON}", GRAPHQL_RESPONSE),  # GraphiQL's
        (f"{JSON}, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),  # named as much: the spec's type
        (f"{GRAPHQL_RESPONSE};charset=utf-8", GRAPHQL_RESPONSE),
        (f"{JSON};q=0.5, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, {JSON}", JSON),
        (JSON, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("text/csv, */*;q=0.1", JSON),
        (f"application/*, {JSON};q=0", GRAPHQL_RESPONSE),
        (None, JSON),  # no Accept header
        ("", JSON),
    ],
)
async def test_the_answer_has_the_media_type_accept_asks_for(
    client: httpx.AsyncClient, accept: str | None, media_type: str
) -> None:
    response = await post_json(client, {"query": UKRAINE}, accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json()["data"] == UKRAINE_DATA


@pytest.mark.parametrize("accept", ["text/csv", "text/html", f"{JSON};q=0", "image/*"])
async def test_an_accept_the_server_cannot_satisfy_is_406(
    client: httpx.AsyncClient, accept: str
) -> None:
    response = await post_json(client, {"query": UKRAINE}, accept=accept)
    assert response.status_code == 406
    assert response.headers["content-type"] == JSON
    assert response.json() == error_body(
        f"Not acceptable: this endpoint answers {GRAPHQL_RESPONSE} or {JSON}", "NOT_ACCEPTABLE"
    )


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("text/plain", "'text/plain'"),
        ("application/x-www-form-urlencoded", "'application/x-www-form-urlencoded'"),
        ("application/graphql", "'application/graphql'"),
        (None, "none"),
    ],
)
async def test_an_unsupported_post_content_type_is_415(
    client: httpx.AsyncClient, content_type: str | None, shown: str
) -> None:
    response = await send(
        client, "POST", content=json.dumps({"query": UKRAINE}), content_type=content_type
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == error_body(
        f"Unsupported Content-Type ({shown}): send the request as {JSON}",
        "UNSUPPORTED_MEDIA_TYPE",
    )


async def test_json_with_a_charset_is_accepted(client: httpx.AsyncClient) -> None:
    response = await send(
        client,
        "POST",
        content=json.dumps({"query": UKRAINE}),
        content_type="application/json; charset=utf-8",
    )
    assert (response.status_code, response.json()["data"]) == (200, UKRAINE_DATA)


# --------------------------------------------------------------------------------------------
# status codes with application/graphql-response+json


async def test_a_field_error_is_200_with_data(client: httpx.AsyncClient) -> None:
    response = await post_json(client, {"query": '{ search(query: "K") { label } }'})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None  # present: execution started
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"query": "{"}, "Syntax Error: Expected Name, found <EOF>."),
        ({"query": "{ nope }"}, "Cannot query field 'nope' on type 'Query'. Did you mean 'node'?"),
        (
            {"query": "query ($n: Int!) { leaders(first: $n) { totalCount } }"},
            "Variable '$n' has invalid value: Expected a value of non-null type 'Int!' to be provided.",
        ),
    ],
    ids=["parse", "validation", "variables"],
)
async def test_a_request_error_is_400_without_data(
    client: httpx.AsyncClient, payload: dict[str, Any], message: str
) -> None:
    response = await post_json(client, payload)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert [e["message"] for e in body["errors"]] == [message]
    assert body["extensions"]["sql"]["statements"] == 0


async def test_with_application_json_a_request_error_is_200_without_data(
    client: httpx.AsyncClient,
) -> None:
    response = await post_json(client, {"query": "{ nope }"}, accept=JSON)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["message"].startswith("Cannot query field 'nope'")


# --------------------------------------------------------------------------------------------
# malformed requests


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"query": ', "Unable to parse request body as JSON"),
        ("", "Unable to parse request body as JSON"),
        ('"{ __typename }"', "The request body must be a JSON object with a `query`"),
        ("42", "The request body must be a JSON object with a `query`"),
        ("{}", "No GraphQL query found in the request"),
        ('{"query": ""}', "No GraphQL query found in the request"),
        ('{"query": 1}', "The GraphQL operation's `query` must be a string or null, if provided."),
        (
            '{"query": "{ __typename }", "variables": [1]}',
            "The GraphQL operation's `variables` must be an object or null, if provided.",
        ),
        ('[{"query": "{ __typename }"}]', "Batching is not enabled"),
        (
            '{"query": "query A { __typename } query B { __typename }", "operationName": "C"}',
            'Unknown operation named "C".',
        ),
    ],
    ids=[
        "truncated",
        "empty",
        "string",
        "number",
        "no-query",
        "empty-query",
        "query-not-string",
        "variables-not-object",
        "batch",
        "unknown-operation",
    ],
)
async def test_a_malformed_request_is_400_with_a_json_error(
    client: httpx.AsyncClient, content: str, message: str
) -> None:
    response = await send(client, "POST", content=content)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == error_body(message, "BAD_REQUEST")


async def test_a_get_without_a_query_is_400(client: httpx.AsyncClient) -> None:
    response = await send(client, "GET", accept=JSON, content_type=None)
    assert response.status_code == 400
    assert response.json() == error_body("No GraphQL query found in the request", "BAD_REQUEST")


async def test_get_with_variables_that_are_not_json_is_400(client: httpx.AsyncClient) -> None:
    response = await send(
        client,
        "GET",
        content_type=None,
        params={"query": UKRAINE, "variables": "{not json"},
    )
    assert response.status_code == 400
    assert response.json() == error_body("Unable to parse request body as JSON", "BAD_REQUEST")


async def test_another_method_reaching_the_view_is_405_json(client: httpx.AsyncClient) -> None:
    # Starlette routes GET and POST (and HEAD with GET) to the view; the view refuses HEAD.
    response = await send(client, "HEAD", content_type=None)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
