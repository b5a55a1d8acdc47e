"""``kordon run SITE``: the all-in-one node."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import Annotated

import typer

from kordon.cli.common import SiteArg, err_console, load_site_or_exit
from kordon.domain.errors import KordonError
from kordon.logs import LogFormat, configure_logging

logger = logging.getLogger(__name__)


def run(
    site: SiteArg,
    host: Annotated[str | None, typer.Option(help="Override the API host.")] = None,
    port: Annotated[int | None, typer.Option(help="Override the API port.")] = None,
    log_format: Annotated[
        str | None, typer.Option(help="plain or json (default: the site file's).")
    ] = None,
) -> None:
    """Run every service of the site until Ctrl-C or SIGTERM."""
    config = load_site_or_exit(site)
    fmt = log_format or config.logging.format
    if fmt not in ("plain", "json"):
        raise typer.BadParameter("log format must be 'plain' or 'json'", param_hint="--log-format")
    chosen: LogFormat = "json" if fmt == "json" else "plain"
    configure_logging(config.logging.level, chosen)
    try:
        asyncio.run(_serve(site, host=host, port=port))
    except KordonError as exc:
        err_console.print(f"kordon: {exc}", markup=False)
        raise typer.Exit(code=1) from None


async def _serve(site: Path, *, host: str | None, port: int | None) -> None:
    from kordon.app import build_node  # the whole node: imported only by `kordon run`

    config = load_site_or_exit(site)
    node = build_node(config, api_host=host, api_port=port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await node.run(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
