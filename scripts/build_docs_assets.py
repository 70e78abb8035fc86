#!/usr/bin/env python3
"""Copy the pinned Swagger UI assets from node_modules into api/static/docs.

Set-up runs this once after `npm ci`, beside scripts/build_explorer.py; the app then serves the
copies at /static/docs, so the API reference at /docs never loads anything from a CDN. Standard
library only; the version checks are build_explorer's.

    npm ci && .venv/bin/python scripts/build_docs_assets.py

The output folder is generated: it is removed and written anew on every run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_explorer import MANIFEST, BuildError, installed_version

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "swagger-ui-dist"

# (file inside the package, name under api/static/docs). Keep this list explicit: api/docs.py
# refers to these output names.
ASSETS: tuple[tuple[str, str], ...] = (
    ("swagger-ui-bundle.js", "swagger-ui-bundle.js"),
    ("swagger-ui.css", "swagger-ui.css"),
    ("favicon-32x32.png", "favicon-32x32.png"),
    ("LICENSE", "licenses/swagger-ui.LICENSE"),
    ("NOTICE", "licenses/swagger-ui.NOTICE"),
)


def pinned_version(root: Path) -> str:
    """The exact version of swagger-ui-dist package.json pins."""
    try:
        pins = json.loads((root / "package.json").read_text(encoding="utf-8"))["dependencies"]
        return str(pins[PACKAGE])
    except (OSError, ValueError, KeyError) as exc:
        raise BuildError(f"{root / 'package.json'} does not pin {PACKAGE}: {exc}") from exc


def build(root: Path, out: Path) -> str:
    node_modules = root / "node_modules"
    if not node_modules.is_dir():
        raise BuildError(
            f"{node_modules} is missing: run `npm ci` in {root} first "
            "(it installs the versions pinned in package-lock.json)"
        )
    pinned = pinned_version(root)
    found = installed_version(node_modules, PACKAGE)
    if found != pinned:
        raise BuildError(
            f"{PACKAGE} {found} is installed but package.json pins {pinned}: run `npm ci`"
        )
    sources = []
    for inner, name in ASSETS:
        source = node_modules / PACKAGE / inner
        if not source.is_file():
            raise BuildError(f"{source} is missing from {PACKAGE} {found}")
        sources.append((source, out / name))

    if out.exists():
        if any(out.iterdir()) and not (out / MANIFEST).is_file():
            raise BuildError(
                f"{out} is not empty and was not written by this script; not touching it"
            )
        shutil.rmtree(out)
    for source, target in sources:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    (out / MANIFEST).write_text(
        json.dumps(
            {"versions": {PACKAGE: found}, "files": sorted(name for _, name in ASSETS)}, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="folder with package.json")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: ROOT/api/static/docs)"
    )
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    out: Path = (args.out or root / "api" / "static" / "docs").resolve()
    try:
        version = build(root, out)
    except BuildError as exc:
        print(f"build_docs_assets: error: {exc}", file=sys.stderr)
        return 1
    print(f"build_docs_assets: wrote {len(ASSETS)} files to {out} ({PACKAGE} {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
