"""``crisisgraph keys``, run as a real process against a fresh SQLite file."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from cli.keys import ScopeChoice
from db import migrations
from db.keys import SECRET_PATTERN, Scope

ROOT = Path(__file__).resolve().parent.parent


def _command() -> list[str]:
    """``crisisgraph keys`` once cli.main registers the sub-app; until then cli.keys itself."""
    from cli.main import app

    if any(group.name == "keys" for group in app.registered_groups):
        return [sys.executable, "-m", "cli.main", "keys"]
    return [sys.executable, "-m", "cli.keys"]


CLI = _command()


def run(*args: str, database_url: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISGRAPH_")}
    env.update(CRISISGRAPH_DATABASE_URL=database_url, NO_COLOR="1", COLUMNS="200", TERM="dumb")
    result = subprocess.run(
        [*CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "keys.db"
    url = f"sqlite:///{path}"
    migrations.upgrade(url)
    return url, path


def _row(path: Path, name: str) -> sqlite3.Row:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM api_key WHERE name = ?", (name,)).fetchone()
    assert row is not None
    return row


def test_cli_scope_choices_match_the_data_layer() -> None:
    assert set(get_args(ScopeChoice)) == {s.value for s in Scope}


@pytest.mark.parametrize("args", [[], ["create"], ["list"], ["revoke"]])
def test_every_keys_command_has_help(args: list[str], tmp_path: Path) -> None:
    result = run(*args, "--help", database_url=f"sqlite:///{tmp_path}/x.db")
    assert "Usage:" in result.stdout


def test_create_prints_the_secret_once(database: tuple[str, Path]) -> None:
    url, path = database
    result = run("create", "--scope", "write", "--name", "ingest bot", database_url=url)
    secret = result.stdout.strip()
    assert secret.count("\n") == 0
    assert SECRET_PATTERN.match(secret), secret
    warnings = [line for line in result.stderr.splitlines() if "cannot be shown again" in line]
    assert len(warnings) == 1

    row = _row(path, "ingest bot")
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["prefix"] == secret[3:11]
    assert row["scopes"] == "read write"
    assert all(secret not in str(value) for value in row)


def test_list_shows_keys_without_their_secrets(database: tuple[str, Path]) -> None:
    url, path = database
    assert "no API keys" in run("list", database_url=url).stdout

    secret = run("create", "--scope", "read", "--name", "dashboard", database_url=url).stdout
    listing = run("list", database_url=url).stdout
    row = _row(path, "dashboard")
    for header in ("name", "id", "prefix", "scopes", "created", "last used", "revoked"):
        assert header in listing
    line = next(line for line in listing.splitlines() if "dashboard" in line)
    assert row["public_id"] in line
    assert row["prefix"] in line
    assert "read" in line
    assert "never" in line
    assert secret.strip() not in listing
    assert secret.strip()[12:] not in listing  # nor the secret part after the prefix


def test_revoke(database: tuple[str, Path]) -> None:
    url, path = database
    run("create", "--name", "old", database_url=url)
    run("create", "--name", "older", database_url=url)
    public_id = _row(path, "older")["public_id"]

    assert "revoked key 'old'" in run("revoke", "old", database_url=url).stdout
    assert public_id in run("revoke", public_id, database_url=url).stdout
    assert _row(path, "old")["revoked_at"] is not None
    assert _row(path, "older")["revoked_at"] is not None
    rows = [line.split() for line in run("list", database_url=url).stdout.splitlines()]
    revoked = {cells[0]: cells[-2:] for cells in rows if cells and cells[0] in ("old", "older")}
    assert set(revoked) == {"old", "older"}
    for when in revoked.values():  # the revoked column holds a date, not "-"
        assert when[0].count("-") == 2, when


def test_revoke_unknown_key_fails_with_one_line(database: tuple[str, Path]) -> None:
    url, _ = database
    result = run("revoke", "nobody", database_url=url, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: key: no API key named or with ID 'nobody'"
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "dup"], "error: name: an API key with this name already exists"),
        (["--name", "  "], "error: name: must not be empty"),
    ],
)
def test_create_refusals_fail_with_one_line(
    database: tuple[str, Path], args: list[str], message: str
) -> None:
    url, _ = database
    run("create", "--name", "dup", database_url=url)
    result = run("create", *args, database_url=url, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [message]
    assert result.stdout == ""


def test_create_refuses_an_unknown_scope(database: tuple[str, Path]) -> None:
    url, path = database
    result = run("create", "--name", "x", "--scope", "admin", database_url=url, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM api_key").fetchone()[0] == 0
