"""What a real-browser test needs: Node, Debian's Chromium, playwright-core and the built
web UI; skips with the reason on a developer's box, fails in CI (see ``requirements``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.support.requirements import require_or_skip

CHROMIUM = Path(os.environ.get("KORDON_CHROMIUM", "/usr/bin/chromium"))


def require_browser(repo_root: Path) -> Path:
    """The ``node`` executable, once Chromium, playwright-core and ``web/dist`` are there."""
    node = shutil.which("node")
    if node is None:
        require_or_skip("node is not installed (needed to run playwright-core)")
    if not CHROMIUM.is_file():
        require_or_skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    web = repo_root / "web"
    if not (web / "node_modules" / "playwright-core").is_dir():
        require_or_skip("web/node_modules is missing: cd web && npm ci")
    if not (web / "dist" / "index.html").is_file():
        require_or_skip("web/dist is not built: cd web && npm run build")
    return Path(node)
