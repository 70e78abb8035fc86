#!/usr/bin/env python3
"""Copy the pinned GraphiQL explorer assets from node_modules into api/static/explorer.

Set-up runs this once after `npm ci`; the app then serves the copies at /static/explorer, so the
GraphiQL page at /graphql never loads anything from a CDN. Standard library only.

    npm ci && .venv/bin/python scripts/build_explorer.py

The output folder is generated: it is removed and written anew on every run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (npm package, file inside the package, name under api/static/explorer). Keep this list explicit:
# api/explorer.py refers to these output names.
ASSETS: tuple[tuple[str, str, str], ...] = (
    ("react", "umd/react.production.min.js", "react.production.min.js"),
    ("react-dom", "umd/react-dom.production.min.js", "react-dom.production.min.js"),
    ("graphiql", "graphiql.min.js", "graphiql.min.js"),
    ("graphiql", "graphiql.min.css", "graphiql.min.css"),
    ("@graphiql/plugin-explorer", "dist/index.umd.js", "plugin-explorer.umd.js"),
    ("@graphiql/plugin-explorer", "dist/style.css", "plugin-explorer.css"),
    ("react", "LICENSE", "licenses/react.LICENSE"),
    ("react-dom", "LICENSE", "licenses/react-dom.LICENSE"),
    ("graphiql", "LICENSE", "licenses/graphiql.LICENSE"),
)

MANIFEST = "manifest.json"


class BuildError(Exception):
    pass


def pinned_versions(root: Path) -> dict[str, str]:
    """The exact versions package.json pins for the packages we copy from."""
    try:
        pins = json.loads((root / "package.json").read_text(encoding="utf-8"))["dependencies"]
    except (OSError, ValueError, KeyError) as exc:
        raise BuildError(f"cannot read the dependencies of {root / 'package.json'}: {exc}") from exc
    wanted = {package for package, _, _ in ASSETS}
    missing = sorted(wanted - pins.keys())
    if missing:
        raise BuildError(f"package.json does not pin {', '.join(missing)}")
    return {package: str(pins[package]) for package in sorted(wanted)}


def installed_version(node_modules: Path, package: str) -> str:
    manifest = node_modules / package / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError) as exc:
        raise BuildError(
            f"{package} is not installed in {node_modules} ({exc}); run `npm ci`"
        ) from exc


def build(root: Path, out: Path) -> dict[str, str]:
    node_modules = root / "node_modules"
    if not node_modules.is_dir():
        raise BuildError(
            f"{node_modules} is missing: run `npm ci` in {root} first "
            "(it installs the versions pinned in package-lock.json)"
        )
    pins = pinned_versions(root)
    versions: dict[str, str] = {}
    for package, pinned in pins.items():
        found = installed_version(node_modules, package)
        if found != pinned:
            raise BuildError(
                f"{package} {found} is installed but package.json pins {pinned}: run `npm ci`"
            )
        versions[package] = found

    sources = []
    for package, inner, name in ASSETS:
        source = node_modules / package / inner
        if not source.is_file():
            raise BuildError(f"{source} is missing from {package} {versions[package]}")
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
            {"versions": versions, "files": sorted(name for _, _, name in ASSETS)},
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return versions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="folder with package.json")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: ROOT/api/static/explorer)",
    )
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    out: Path = (args.out or root / "api" / "static" / "explorer").resolve()
    try:
        versions = build(root, out)
    except BuildError as exc:
        print(f"build_explorer: error: {exc}", file=sys.stderr)
        return 1
    summary = ", ".join(f"{package} {version}" for package, version in versions.items())
    print(f"build_explorer: wrote {len(ASSETS)} files to {out} ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
