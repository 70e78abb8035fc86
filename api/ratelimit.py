"""Rate limits, per API key or per client address, with the IETF RateLimit header fields.

Who is counted: a request whose ``Authorization: Bearer`` header carries something shaped like
an API key is counted against that key, under a hash of it (the key itself is never kept, sent
to Redis or logged); any other request against its client address (the peer address; behind a
proxy, run uvicorn with ``--proxy-headers`` and ``--forwarded-allow-ips`` so it is the
client's).

Two policies, each a fixed window of ``rate_limit_window_seconds`` (default 60) that the
client's first request starts:

- ``reads`` (``rate_limit_reads``, default 600): GET, HEAD and OPTIONS, and GraphQL queries;
- ``writes`` (``rate_limit_writes``, default 120): POST, PUT, PATCH and DELETE, and GraphQL
  mutations (a POST /graphql whose operation is a mutation; other GraphQL POSTs are reads).

Each request costs one from its policy. /healthz, /readyz and /metrics are not limited, and
WebSocket subscriptions are not counted.

Headers, after draft-ietf-httpapi-ratelimit-headers-10 (structured fields): every limited
response carries the policy that applied and what is left of it::

    RateLimit-Policy: "reads";q=600;w=60
    RateLimit: "reads";r=599;t=42

``q`` is the quota, ``w`` the window in seconds, ``r`` the requests left in this window and
``t`` the seconds until it ends. Past the quota the answer is a 429 with ``Retry-After: <t>``:
an RFC 9457 problem (``/problems/rate-limited``) everywhere but /graphql, where it is a
GraphQL-shaped error with code ``RATE_LIMITED``.

Counting: in this process's memory by default; in Redis when ``redis_url`` is set, so every
server process naming the same Redis shares the counts. Redis counts with one Lua script (INCR,
then PEXPIRE when the counter has no expiry yet), so the increment and the window's start are
atomic. If Redis fails, requests are counted in memory for ``REDIS_RETRY_SECONDS`` before Redis
is tried again, and a warning is logged: a Redis outage never takes the API down.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.middleware import BODY_SCOPE_KEY, GRAPHQL_PATH, graphql_error, route_path
from api.ops import Metrics
from api.rest.problems import Problem, problem_response
from db.keys import SECRET_PATTERN
from db.settings import Settings

logger = logging.getLogger(__name__)

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REDIS_RETRY_SECONDS = 10.0
REDIS_TIMEOUT_SECONDS = 1.0
_BEARER = re.compile(r"Bearer +(\S+)", re.IGNORECASE)
_KEY_HASH_CONTEXT = b"crisisgraph rate limit\x00"

# KEYS[1]: the counter; ARGV[1]: the window in milliseconds. Returns {count, ms until reset}.
_HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@dataclass(frozen=True)
class Policy:
    name: str
    quota: int
    window: int  # seconds

    @property
    def header(self) -> str:
        return f'"{self.name}";q={self.quota};w={self.window}'


@dataclass(frozen=True)
class Usage:
    """One request counted against a policy: the count so far in the window, and the seconds
    until the window ends."""

    policy: Policy
    count: int
    reset: float

    @property
    def allowed(self) -> bool:
        return self.count <= self.policy.quota

    @property
    def remaining(self) -> int:
        return max(0, self.policy.quota - self.count)

    @property
    def reset_seconds(self) -> int:
        return max(0, math.ceil(self.reset))

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Policy": self.policy.header,
            "RateLimit": f'"{self.policy.name}";r={self.remaining};t={self.reset_seconds}',
        }


class MemoryCounter:
    """Fixed windows in this process's memory; expired windows are swept once a window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._windows: dict[str, tuple[int, float]] = {}
        self._next_sweep = 0.0

    def keys(self) -> list[str]:
        return list(self._windows)

    def hit(self, key: str, window: int) -> tuple[int, float]:
        now = self.clock()
        if now >= self._next_sweep:
            self._windows = {k: v for k, v in self._windows.items() if v[1] > now}
            self._next_sweep = now + window
        count, ends = self._windows.get(key, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + window
        count += 1
        self._windows[key] = (count, ends)
        return count, ends - now


class RedisCounter:
    """Fixed windows in Redis, shared by every process that uses the same Redis and prefix."""

    def __init__(self, url: str) -> None:
        self.client: Redis = Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),
        )
        self._script = self.client.register_script(_HIT_SCRIPT)

    async def hit(self, key: str, window: int) -> tuple[int, float]:
        count, ttl_ms = await self._script(keys=[key], args=[window * 1000])
        return int(count), int(ttl_ms) / 1000

    async def aclose(self) -> None:
        await self.client.aclose()


def key_hash(key: str) -> str:
    """What identifies an API key in the counters: a hash, never the key."""
    return hashlib.sha256(_KEY_HASH_CONTEXT + key.encode()).hexdigest()[:32]


def client_identity(scope: Scope) -> str:
    """``key:<hash>`` for a request bearing an API key, else ``addr:<client address>``."""
    header = Headers(scope=scope).get("authorization")
    if header is not None:
        match = _BEARER.fullmatch(header.strip())
        if match is not None and SECRET_PATTERN.fullmatch(match.group(1)):
            return f"key:{key_hash(match.group(1))}"
    client = scope.get("client")
    return f"addr:{client[0] if client else 'unknown'}"


def _operation_mutates(item: Any, max_tokens: int) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("query"), str):
        return False
    try:
        document = parse(item["query"], no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return False  # the app refuses it anyway, and reading it costs a read
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    name = item.get("operationName")
    if isinstance(name, str) and name:
        operations = [op for op in operations if op.name is not None and op.name.value == name]
    return any(op.operation is OperationType.MUTATION for op in operations)


def graphql_mutates(body: bytes, max_tokens: int) -> bool:
    """Whether a POST /graphql body asks to run a mutation (without a name to choose among
    several operations, any mutation in the document counts)."""
    if b"mutation" not in body and b"\\u" not in body:  # cheap: most bodies are plain queries
        return False
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    items = payload if isinstance(payload, list) else [payload]
    return any(_operation_mutates(item, max_tokens) for item in items)


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        window = settings.rate_limit_window_seconds
        self.enabled = settings.rate_limits_enabled
        self.reads = Policy("reads", settings.rate_limit_reads, window)
        self.writes = Policy("writes", settings.rate_limit_writes, window)
        self.prefix = settings.rate_limit_key_prefix
        self.graphql_max_tokens = settings.graphql_max_tokens
        self.memory = MemoryCounter()
        self.redis = RedisCounter(settings.redis_url) if settings.redis_url else None
        self._redis_retry_at = 0.0

    def policy_for(self, scope: Scope) -> Policy:
        method = scope["method"]
        if route_path(scope).rstrip("/") == GRAPHQL_PATH:
            body = scope.get(BODY_SCOPE_KEY)
            if method == "POST" and isinstance(body, bytes):
                return self.writes if graphql_mutates(body, self.graphql_max_tokens) else self.reads
            return self.reads
        return self.reads if method in READ_METHODS else self.writes

    async def hit(self, policy: Policy, identity: str) -> Usage:
        key = f"{self.prefix}:{policy.name}:{identity}"
        if self.redis is not None and time.monotonic() >= self._redis_retry_at:
            try:
                count, reset = await self.redis.hit(key, policy.window)
                return Usage(policy, count, reset)
            except (RedisError, OSError) as exc:
                self._redis_retry_at = time.monotonic() + REDIS_RETRY_SECONDS
                logger.warning(
                    "Redis is unavailable for rate limits (%s); counting in this process's "
                    "memory for %.0f s",
                    type(exc).__name__,
                    REDIS_RETRY_SECONDS,
                )
        count, reset = self.memory.hit(key, policy.window)
        return Usage(policy, count, reset)

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def _too_many(scope: Scope, usage: Usage) -> Response:
    policy = usage.policy
    headers = {**usage.headers(), "Retry-After": str(max(1, usage.reset_seconds))}
    message = (
        f"Too many requests: over the {policy.name} limit of {policy.quota} per "
        f"{policy.window} s; retry in {max(1, usage.reset_seconds)} s"
    )
    if route_path(scope).rstrip("/") == GRAPHQL_PATH:
        return graphql_error(scope, 429, message, "RATE_LIMITED", headers)
    detail = message.removeprefix("Too many requests: ")
    return problem_response(Request(scope), Problem(429, detail, headers=headers))


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter, metrics: Metrics) -> None:
        self.app = app
        self.limiter = limiter
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limiter.enabled or route_path(scope) in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        policy = self.limiter.policy_for(scope)
        usage = await self.limiter.hit(policy, client_identity(scope))
        if not usage.allowed:
            self.metrics.rate_limited.labels(policy.name).inc()
            await _too_many(scope, usage)(scope, receive, send)
            return
        headers = usage.headers()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers.items():
                    response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
