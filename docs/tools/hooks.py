"""mkdocs hooks: Mermaid diagrams drawn in the browser with no network.

Material for MkDocs draws ```` ```mermaid ```` blocks with Mermaid's JavaScript, which it
fetches from a CDN unless a ``mermaid`` global is already defined when the page loads.
The site must work offline, so it never relies on that: when the ``mermaid`` npm package
is installed (``npm install --prefix tests/mermaid``, which the Mermaid syntax tests need
anyway and ``.ci/run`` does), this hook copies its ``mermaid.min.js`` into the site and
``docs/tools/overrides/main.html`` loads it in the page head, before Material's bundle
looks for it. Without it, the diagrams are shown as their Mermaid text (still readable,
and pasteable into any Mermaid editor), and the build says so.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

__all__ = ["MERMAID_JS", "on_config", "on_post_build"]

#: Where ``npm install --prefix tests/mermaid`` puts Mermaid's browser bundle.
MERMAID_JS = Path("tests/mermaid/node_modules/mermaid/dist/mermaid.min.js")
#: Where the site serves it (``docs/tools/overrides/main.html`` names the same path).
SITE_PATH = "assets/javascripts/mermaid.min.js"

_log = logging.getLogger("mkdocs.hooks.mermaid")


def _source(config: Any) -> Path:
    return Path(config["config_file_path"]).parent / MERMAID_JS


def on_config(config: Any) -> Any:
    local = _source(config).is_file()
    config["extra"]["local_mermaid"] = local
    if not local:
        fences = config["mdx_configs"].get("pymdownx.superfences", {})
        fences["custom_fences"] = [
            fence for fence in fences.get("custom_fences", []) if fence.get("name") != "mermaid"
        ]
        _log.info(
            "Mermaid is not installed (npm install --prefix tests/mermaid): "
            "diagrams are shown as Mermaid text"
        )
    return config


def on_post_build(config: Any) -> None:
    if config["extra"].get("local_mermaid"):
        target = Path(config["site_dir"]) / SITE_PATH
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_source(config), target)
