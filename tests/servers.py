"""Real server processes for the tests, on real committed databases.

- `prepare_database()` builds a database the way an operator does: a SQLite file or a fresh
  PostgreSQL database, migrated (`db.migrations.upgrade`), loaded with the seed
  (`crisisgraph seed`) and given a write key (`crisisgraph keys create --scope write`).
- `ServerProcess` / `running_server()` run `crisisgraph serve` on a free loopback port against
  such a database, wait until /healthz answers, and stop the process afterwards. A process that
  dies fails the test with its stderr. Several processes may serve the same database.

Nothing here rolls back: every write a test makes through a server is committed, so tests that
share a prepared database must not depend on what others wrote (unique titles, say).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import pytest

from db import migrations
from db.keys import SECRET_PATTERN
from tests.databases import create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "cli.main"]
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
CLI_TIMEOUT = 120.0
_PORT_ATTEMPTS = 3
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
T = TypeVar("T")


def cli_env(database_url: str) -> dict[str, str]:
    """This environment without CRISISGRAPH_* settings, pointed at `database_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISGRAPH_")}
    env.update(
        CRISISGRAPH_DATABASE_URL=database_url,
        NO_COLOR="1",
        TERM="dumb",
        COLUMNS="200",
        PYTHONUNBUFFERED="1",
    )
    return env


def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Call `fn(*args)` in a thread of its own: the migrations and tests/databases.py call
    asyncio.run(), which cannot run in a thread with a running event loop (an async test's, or
    the one Playwright's sync API keeps)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tests-servers") as pool:
        return pool.submit(fn, *args).result()


def run_cli(*args: str, database_url: str) -> str:
    """Run `crisisgraph ARGS` to completion; its stdout, or a test failure with its stderr."""
    result = subprocess.run(
        [*CLI, *args],
        cwd=ROOT,
        env=cli_env(database_url),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`crisisgraph {' '.join(args)}` exited with {result.returncode}:\n{result.stderr}",
            pytrace=False,
        )
    return result.stdout


# --------------------------------------------------------------------------------------------
# Databases


@dataclass(frozen=True)
class PreparedDatabase:
    """A migrated, seeded, committed database and a write key for it."""

    kind: str  # "sqlite" or "postgresql"
    url: str  # the async-driver URL, as the app's settings spell it
    write_key: str


def prepare_database(
    kind: str, directory: Path, name: str, *, postgres_url: str = ""
) -> PreparedDatabase:
    """A fresh database of `kind`: a SQLite file in `directory`, or a new database on the
    PostgreSQL server of `postgres_url`. Drop it with `drop_database()`."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / (name + '.db')}"
    elif kind == "postgresql":
        if not postgres_url:
            raise ValueError("a PostgreSQL database needs postgres_url")
        url = off_loop(create_postgres_database, postgres_url, name)
    else:
        raise ValueError(f"unknown database kind {kind!r}")
    try:
        off_loop(migrations.upgrade, url)
        run_cli("seed", database_url=url)
        secret = run_cli("keys", "create", "--scope", "write", "--name", "test", database_url=url)
    except BaseException:
        drop_database(PreparedDatabase(kind, url, ""))
        raise
    secret = secret.strip()
    assert SECRET_PATTERN.match(secret), f"not an API key secret: {secret!r}"
    return PreparedDatabase(kind, url, secret)


def drop_database(database: PreparedDatabase) -> None:
    """Drop a PostgreSQL database (its connections are closed); a SQLite file stays with the
    temporary directory it was made in."""
    if database.kind == "postgresql":
        off_loop(drop_postgres_database, database.url)


@contextmanager
def prepared_database(
    kind: str, directory: Path, name: str, *, postgres_url: str = ""
) -> Iterator[PreparedDatabase]:
    database = prepare_database(kind, directory, name, postgres_url=postgres_url)
    try:
        yield database
    finally:
        drop_database(database)


# --------------------------------------------------------------------------------------------
# Server processes


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """On Linux, have the kernel SIGTERM the server when the process that started it dies, so
    a test run killed outright (no fixture teardown) leaves no server behind. Start servers
    from a thread that lives as long as they do (the main thread): the signal follows the
    thread that forked."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """`crisisgraph serve` as a child process on a free loopback port. Its stdout and stderr go
    to files in `log_dir` (a pipe nobody reads would block it)."""

    def __init__(self, database_url: str, log_dir: Path, name: str = "server") -> None:
        self.database_url = database_url
        self.log_dir = log_dir
        self.name = name
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._stdout: IO[bytes] | None = None
        self._stopped = False

    # URLs

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"{self.name}.stderr.log"

    def stderr(self) -> str:
        """What the process wrote to stderr so far (uvicorn logs there)."""
        try:
            return self.stderr_path.read_text("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    # Life cycle

    def start(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Start the process and wait until /healthz answers. A port taken between choosing it
        and binding it is retried on another port."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(_PORT_ATTEMPTS):
            self._spawn(free_port())
            if self._wait_until_healthy(timeout):
                return
            stderr = self.stderr()
            self._close_logs()
            if "address already in use" in stderr.lower() and attempt + 1 < _PORT_ATTEMPTS:
                continue
            pytest.fail(f"{self._describe()} did not start:\n{stderr}", pytrace=False)

    def _spawn(self, port: int) -> None:
        self.port = port
        self._stdout = (self.log_dir / f"{self.name}.stdout.log").open("wb")
        self._stderr = self.stderr_path.open("wb")
        self._process = subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=cli_env(self.database_url),
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
            preexec_fn=_die_with_parent,
        )

    def _wait_until_healthy(self, timeout: float) -> bool:
        """True once /healthz answers; False if the process exited or the time ran out (the
        process is then stopped)."""
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return True
            except OSError:  # not listening yet (URLError and HTTPError are OSErrors)
                pass
            time.sleep(0.1)
        self._terminate()
        return False

    def check_alive(self) -> None:
        """Fail the test, with the server's stderr, if the process has exited."""
        assert self._process is not None, "the server was not started"
        code = self._process.poll()
        if code is not None and not self._stopped:
            pytest.fail(
                f"{self._describe()} died (exit code {code}):\n{self.stderr()}", pytrace=False
            )

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL); fail if it had died on its own."""
        if self._process is None or self._stopped:
            return
        died = self._process.poll()
        self._terminate()
        self._stopped = True
        self._close_logs()
        if died is not None:
            pytest.fail(
                f"{self._describe()} died (exit code {died}) before it was stopped:\n"
                f"{self.stderr()}",
                pytrace=False,
            )

    def _terminate(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)

    def _close_logs(self) -> None:
        for log in (self._stdout, self._stderr):
            if log is not None:
                log.close()
        self._stdout = self._stderr = None

    def _describe(self) -> str:
        return f"`crisisgraph serve` ({self.name}, port {self.port})"

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop()


@contextmanager
def running_server(
    database_url: str, log_dir: Path, name: str = "server"
) -> Iterator[ServerProcess]:
    """A started server on `database_url`, stopped on exit."""
    with ServerProcess(database_url, log_dir, name) as server:
        yield server


def post_graphql(
    server: ServerProcess,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    timeout: float = 20.0,
) -> dict[str, Any]:
    """POST one operation to the server with the standard library; the JSON answer (a test
    failure, with the server's stderr, for anything but a 200)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        server.graphql_url,
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace")
        server.check_alive()
        pytest.fail(f"POST /graphql answered {exc.code}: {detail}", pytrace=False)
    return body
