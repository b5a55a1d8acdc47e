"""``kordon db upgrade``: create or migrate a site's database."""

from __future__ import annotations

import typer
from rich.console import Console

from kordon.cli.common import SiteArg, err_console, load_site_or_exit
from kordon.store import Store, StoreError, current_revision

app = typer.Typer(help="Database administration.", no_args_is_help=True)
console = Console()


@app.command("upgrade")
def upgrade(site: SiteArg) -> None:
    """Run the database migrations for the site's store (SQLite or PostgreSQL)."""
    config = load_site_or_exit(site)
    store = Store(config.database_url())
    try:
        store.open()
        revision = current_revision(store.engine)
    except StoreError as exc:
        err_console.print(f"kordon: {exc}", markup=False)
        raise typer.Exit(code=1) from None
    finally:
        store.close()
    console.print(f"database at revision [bold]{revision}[/bold]")
