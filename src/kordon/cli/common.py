"""Helpers shared by the commands: loading a site file with readable errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kordon.config.errors import ConfigError
from kordon.config.loader import load_site
from kordon.config.models import SiteConfig

err_console = Console(stderr=True, soft_wrap=True)

SiteArg = Annotated[Path, typer.Argument(help="Site file (YAML).", show_default=False)]


def load_site_or_exit(path: Path) -> SiteConfig:
    """Load ``path``; on errors print every one (file:line:column: field: message), exit 2."""
    try:
        return load_site(path)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            err_console.print(line, markup=False, highlight=False)
        raise typer.Exit(code=2) from None
