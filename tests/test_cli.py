"""The crisisgraph command, run as a real process the way an operator runs it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db.seed import COUNTED

CLI = [sys.executable, "-m", "cli.main"]
ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, database_url: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISGRAPH_")}
    env.update(CRISISGRAPH_DATABASE_URL=database_url, NO_COLOR="1", COLUMNS="200", TERM="dumb")
    result = subprocess.run(
        [*CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            name: conn.execute(f'SELECT count(*) FROM "{model.__tablename__}"').fetchone()[0]  # type: ignore[attr-defined]
            for name, model in COUNTED.items()
        }


@pytest.mark.parametrize(
    "args",
    [[], ["serve"], ["seed"], ["db"], ["db", "upgrade"], ["db", "downgrade"], ["db", "current"]],
)
def test_every_command_has_help(args: list[str], tmp_path: Path) -> None:
    result = run(*args, "--help", database_url=f"sqlite:///{tmp_path}/x.db")
    assert "Usage:" in result.stdout


def test_unknown_database_scheme_stops_with_one_line(tmp_path: Path) -> None:
    result = run("db", "current", database_url="mysql://root@localhost/x", check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: invalid setting CRISISGRAPH_DATABASE_URL: unsupported scheme 'mysql'; "
        "use one of: sqlite:///path/to/file.db, postgresql://user@host/db"
    ]


def test_unreachable_server_stops_with_one_line() -> None:
    result = run("serve", database_url="postgresql://nobody@127.0.0.1:1/nothing", check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "error: cannot reach the database at postgresql://127.0.0.1:1/nothing: "
    )
    assert "Traceback" not in result.stderr


def test_migrate_seed_twice_gives_the_same_counts(tmp_path: Path) -> None:
    path = tmp_path / "cli.db"
    url = f"sqlite:///{path}"
    run("db", "upgrade", database_url=url)
    assert run("db", "current", database_url=url).stdout.strip().endswith(": at head")

    run("seed", database_url=url)
    first = _counts(path)
    second_run = run("seed", database_url=url)
    assert _counts(path) == first
    assert first["countries"] == 249
    assert "seed" in second_run.stdout

    run("db", "downgrade", "base", database_url=url)
    assert run("db", "current", database_url=url).stdout.strip().startswith("(empty): behind head")
