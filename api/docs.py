"""The interactive REST API reference at /docs: Swagger UI reading /openapi.json, offline.

Like the GraphQL explorer (api/explorer.py), the page loads only files this app serves: `npm ci`
installs the swagger-ui-dist version pinned in package-lock.json and `scripts/build_docs_assets.py`
copies the two files the page needs into api/static/docs, which `docs_routes()` serves at
/static/docs. Swagger UI's online validator badge is switched off (it would call
validator.swagger.io).
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_PREFIX = "/static/docs"
ASSETS_DIR = Path(__file__).resolve().parent / "static" / "docs"
OPENAPI_URL = "/openapi.json"

# Output names of scripts/build_docs_assets.py; the page needs all of these.
SCRIPTS = ("swagger-ui-bundle.js",)
STYLESHEETS = ("swagger-ui.css",)
ICON = "favicon-32x32.png"

# The page's own script. It runs after the asset scripts; when they failed to load (the assets
# were not built) it says so in the page instead of leaving it blank.
_BOOT_SCRIPT = """\
(function () {
  "use strict";
  var mount = document.getElementById("docs");
  if (!window.SwaggerUIBundle) {
    mount.innerHTML = document.getElementById("docs-missing").innerHTML;
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: "%(openapi_url)s",
    dom_id: "#docs",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    filter: true,
    showExtensions: false,
    tryItOutEnabled: false
  });
})();
"""

_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>crisisgraph · REST API reference</title>
<link rel="icon" type="image/png" href="%(icon)s">
%(stylesheets)s
<style>
  body { margin: 0; }
  .docs-notice { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto;
    padding: 0 1rem; }
  .docs-notice code { background: #f3f3f3; padding: 0 .2em; }
</style>
</head>
<body>
<div id="docs">
  <noscript><div class="docs-notice">The API reference needs JavaScript. The OpenAPI document
  it shows is at <a href="%(openapi_url)s">%(openapi_url)s</a>.</div></noscript>
</div>
<template id="docs-missing">
  <div class="docs-notice">
    <h1>API reference assets are missing</h1>
    <p>This server has not built its API reference assets. On the server, run
    <code>npm ci</code> and then <code>python scripts/build_docs_assets.py</code>.
    The OpenAPI document is at <a href="%(openapi_url)s">%(openapi_url)s</a>.</p>
  </div>
</template>
%(scripts)s
<script>
%(boot)s</script>
</body>
</html>
"""


def _render() -> str:
    stylesheets = "\n".join(
        f'<link rel="stylesheet" href="{STATIC_PREFIX}/{name}">' for name in STYLESHEETS
    )
    scripts = "\n".join(f'<script src="{STATIC_PREFIX}/{name}"></script>' for name in SCRIPTS)
    boot = _BOOT_SCRIPT % {"openapi_url": OPENAPI_URL}
    return _PAGE % {
        "stylesheets": stylesheets,
        "scripts": scripts,
        "boot": boot,
        "openapi_url": OPENAPI_URL,
        "icon": f"{STATIC_PREFIX}/{ICON}",
    }


_HTML = _render()


def docs_page() -> str:
    """The API reference page."""
    return _HTML


def assets_built() -> bool:
    """True when scripts/build_docs_assets.py has written every file the page loads."""
    return all((ASSETS_DIR / name).is_file() for name in (*SCRIPTS, *STYLESHEETS, ICON))


async def _serve(_request: Request) -> Response:
    return HTMLResponse(_HTML)


def docs_routes() -> list[BaseRoute]:
    """GET /docs, and its assets at /static/docs (an empty 404 until they are built)."""
    return [
        Route("/docs", _serve, methods=["GET"], name="docs"),
        Mount(
            STATIC_PREFIX,
            app=StaticFiles(directory=ASSETS_DIR, check_dir=False),
            name="docs-static",
        ),
    ]
