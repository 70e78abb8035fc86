#!/usr/bin/env python3
"""Write the REST API's OpenAPI document (api/rest/openapi.py) to openapi.json, or check that the
committed file is the one the code generates.

    .venv/bin/python scripts/export_openapi.py            # write ./openapi.json
    .venv/bin/python scripts/export_openapi.py --check    # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from api.rest.openapi import document_json

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=ROOT / "openapi.json")
    parser.add_argument(
        "--check", action="store_true", help="compare with the file instead of writing it"
    )
    args = parser.parse_args(argv)
    path: Path = args.path
    generated = document_json()
    if not args.check:
        path.write_text(generated, encoding="utf-8")
        print(f"export_openapi: wrote {path}")
        return 0
    committed = path.read_text(encoding="utf-8") if path.is_file() else ""
    if committed == generated:
        return 0
    diff = difflib.unified_diff(
        committed.splitlines(keepends=True),
        generated.splitlines(keepends=True),
        fromfile=f"{path} (committed)",
        tofile=f"{path} (generated)",
        n=2,
    )
    sys.stdout.writelines(diff)
    print(f"{path} is out of date: run 'make openapi'", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
