"""The GraphiQL explorer served at /graphql, built only from assets this app serves itself.

Strawberry's stock GraphiQL page pulls React and GraphiQL from a CDN, so it stays blank on a
machine without internet. This page loads pinned copies instead: `npm ci` installs the versions in
package-lock.json and `scripts/build_explorer.py` copies the few files we need into
api/static/explorer, which `static_mount()` serves at /static/explorer.

The GraphQL view calls `explorer_page()` when a browser GETs /graphql asking for text/html.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

STATIC_PREFIX = "/static/explorer"
ASSETS_DIR = Path(__file__).resolve().parent / "static" / "explorer"

# Output names of scripts/build_explorer.py; the page needs all of these.
SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "plugin-explorer.umd.js",
)
STYLESHEETS = ("graphiql.min.css", "plugin-explorer.css")

_DEFAULT_QUERY = """\
# Welcome to the crisisgraph GraphQL explorer.
#
# Tick fields in the Explorer panel on the left to build a query, or type one here,
# then press the run button (Ctrl+Enter). The Docs panel lists every type and field.
{
  __typename
}
"""

# The page's own script. It runs after the asset scripts; when they failed to load (the assets
# were not built) it says so in the page instead of leaving it blank.
_BOOT_SCRIPT = """\
(function () {
  "use strict";
  var mount = document.getElementById("explorer");
  if (!window.React || !window.ReactDOM || !window.GraphiQL || !window.GraphiQLPluginExplorer) {
    mount.innerHTML = document.getElementById("explorer-missing").innerHTML;
    return;
  }
  var endpoint = window.location.pathname;
  var wsScheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  var fetcher = window.GraphiQL.createFetcher({
    url: endpoint,
    // Subscriptions travel over graphql-transport-ws on the same path.
    subscriptionUrl: wsScheme + "//" + window.location.host + endpoint,
    headers: { accept: "application/graphql-response+json, application/json" },
    enableIncrementalDelivery: false
  });
  var explorer = window.GraphiQLPluginExplorer.explorerPlugin();
  window.ReactDOM.createRoot(mount).render(
    window.React.createElement(window.GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      visiblePlugin: explorer,
      defaultQuery: %(default_query)s,
      defaultEditorToolsVisibility: true
    })
  );
})();
"""

_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>crisisgraph · GraphQL explorer</title>
%(stylesheets)s
<style>
  html, body { height: 100%%; margin: 0; }
  #explorer { height: 100vh; }
  .explorer-notice { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto;
    padding: 0 1rem; }
  .explorer-notice code { background: #f3f3f3; padding: 0 .2em; }
</style>
</head>
<body>
<div id="explorer">
  <noscript><div class="explorer-notice">The GraphQL explorer needs JavaScript. GraphQL requests
  can still be POSTed as JSON to this URL.</div></noscript>
</div>
<template id="explorer-missing">
  <div class="explorer-notice">
    <h1>GraphQL explorer assets are missing</h1>
    <p>This server has not built its explorer assets. On the server, run
    <code>npm ci</code> and then <code>python scripts/build_explorer.py</code>.
    GraphQL requests can still be POSTed as JSON to this URL.</p>
  </div>
</template>
%(scripts)s
<script>
%(boot)s</script>
</body>
</html>
"""


def _js_string(text: str) -> str:
    """A JavaScript string literal for `text`, safe inside an inline <script>."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return f'"{escaped}"'


def _render() -> str:
    stylesheets = "\n".join(
        f'<link rel="stylesheet" href="{STATIC_PREFIX}/{name}">' for name in STYLESHEETS
    )
    scripts = "\n".join(f'<script src="{STATIC_PREFIX}/{name}"></script>' for name in SCRIPTS)
    boot = _BOOT_SCRIPT % {"default_query": _js_string(_DEFAULT_QUERY)}
    return _PAGE % {"stylesheets": stylesheets, "scripts": scripts, "boot": boot}


_HTML = _render()


def explorer_page() -> str:
    """The GraphiQL explorer page; it POSTs GraphQL to the URL it was loaded from."""
    return _HTML


def assets_built() -> bool:
    """True when scripts/build_explorer.py has written every file the page loads."""
    return all((ASSETS_DIR / name).is_file() for name in (*SCRIPTS, *STYLESHEETS))


def static_mount() -> Mount:
    """Serve the built assets at /static/explorer (an empty 404 until they are built)."""
    return Mount(
        STATIC_PREFIX,
        app=StaticFiles(directory=ASSETS_DIR, check_dir=False),
        name="explorer-static",
    )
