"""``kordon config check|schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kordon.cli.common import SiteArg, load_site_or_exit
from kordon.config.docs import render_configuration_markdown
from kordon.config.schema import site_json_schema

app = typer.Typer(help="Validate site files and publish their schema.", no_args_is_help=True)
console = Console()


@app.command("check")
def check(site: SiteArg) -> None:
    """Validate a site file; list every error with file, line and field; exit 2 on error."""
    config = load_site_or_exit(site)
    console.print(
        f"[green]OK[/green] {site}: site {config.site.id!r}, {len(config.borders)} border(s), "
        f"{len(config.sectors)} sector(s), {len(config.zones)} zone(s), "
        f"{len(config.cameras)} camera(s)"
    )


@app.command("schema")
def schema(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Write the JSON Schema of site files (for editor completion and validation)."""
    text = json.dumps(site_json_schema(), indent=2, sort_keys=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"schema written to {out}")


@app.command("docs")
def docs(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Write the configuration reference (Markdown) generated from the schema."""
    text = render_configuration_markdown()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"configuration reference written to {out}")
