"""The root ``kordon`` command and its sub-command groups."""

from __future__ import annotations

import typer

from kordon import __version__
from kordon.cli import config_cmd, db_cmd, ledger_cmd, run_cmd

app = typer.Typer(
    name="kordon",
    help="Kordon: border surveillance and monitoring platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.command("run")(run_cmd.run)
app.add_typer(ledger_cmd.app, name="ledger")
app.command("verify")(ledger_cmd.verify_bundle_cmd)


@app.command("version")
def version() -> None:
    """Print the Kordon version."""
    typer.echo(f"kordon {__version__}")


def main() -> None:
    app()
