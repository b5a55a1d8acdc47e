"""``kordon central CONFIG`` (the central server) and ``kordon central-credentials``."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import Annotated

import typer

from kordon.central.config import CentralConfig, load_central
from kordon.cli.common import err_console, load_site_or_exit
from kordon.config.errors import ConfigError
from kordon.domain.errors import KordonError
from kordon.logs import configure_logging

logger = logging.getLogger(__name__)

CentralArg = Annotated[Path, typer.Argument(help="Central file (YAML).", show_default=False)]


def _load_or_exit(path: Path) -> CentralConfig:
    try:
        return load_central(path)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            err_console.print(line, markup=False, highlight=False)
        raise typer.Exit(code=2) from None


def central(
    config_file: CentralArg,
    host: Annotated[str | None, typer.Option(help="Override the API host.")] = None,
    port: Annotated[int | None, typer.Option(help="Override the API port.")] = None,
    log_level: Annotated[str, typer.Option(help="Log level.")] = "INFO",
    json_logs: Annotated[bool, typer.Option("--json-logs", help="Log JSON lines.")] = False,
) -> None:
    """Run the central server (PostgreSQL, the edges' link, the operator UI) until Ctrl-C
    or SIGTERM."""
    config = _load_or_exit(config_file)
    configure_logging(log_level.upper(), "json" if json_logs else "plain")
    try:
        asyncio.run(_serve(config, host=host, port=port))
    except KordonError as exc:
        err_console.print(f"kordon: {exc}", markup=False)
        raise typer.Exit(code=1) from None


async def _serve(config: CentralConfig, *, host: str | None, port: int | None) -> None:
    from kordon.central.server import build_central  # the whole server: imported only here

    site = load_site_or_exit(config.resolve(config.site))
    server = build_central(config, site, api_host=host, api_port=port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await server.run(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def credentials(
    config_file: CentralArg,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for passwd, acl and the edges' passwords.")
    ],
) -> None:
    """Write Mosquitto password and ACL files for the centre and each (unrevoked) edge."""
    from kordon.central.mqtt_credentials import write_credentials

    config = _load_or_exit(config_file)
    try:
        written = write_credentials(config, out)
    except (OSError, ValueError) as exc:
        err_console.print(f"kordon: {exc}", markup=False)
        raise typer.Exit(code=1) from None
    for path in (*written.passwd_files, *written.acl_files):
        typer.echo(f"wrote {path}")
    for edge, path in written.edge_passwords.items():
        typer.echo(f"edge {edge}: password in {path} (copy it to the outpost)")
    for edge in written.revoked:
        typer.echo(f"edge {edge}: revoked, left out")
