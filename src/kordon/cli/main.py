"""The root ``kordon`` command and its sub-command groups."""

from __future__ import annotations

import typer

from kordon import __version__
from kordon.cli import (
    analyze_cmd,
    asterix_cmd,
    camera_cmd,
    central_cmd,
    config_cmd,
    cot_cmd,
    db_cmd,
    drone_cmd,
    ledger_cmd,
    mission_cmd,
    register_cmd,
    report_cmd,
    run_cmd,
    user_cmd,
)

app = typer.Typer(
    name="kordon",
    help="Kordon: border surveillance and monitoring platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.add_typer(user_cmd.app, name="user")
app.add_typer(camera_cmd.app, name="camera")
app.command("run")(run_cmd.run)
app.command("analyze")(analyze_cmd.analyze)
app.add_typer(ledger_cmd.app, name="ledger")
app.command("verify")(ledger_cmd.verify_bundle_cmd)
app.add_typer(asterix_cmd.app, name="asterix")
app.add_typer(cot_cmd.app, name="cot")
app.add_typer(drone_cmd.app, name="drone")
app.add_typer(mission_cmd.app, name="mission")
app.command("report")(report_cmd.report)
app.add_typer(register_cmd.app, name="register")
app.command("central")(central_cmd.central)
app.command("central-credentials")(central_cmd.credentials)


@app.command("version")
def version() -> None:
    """Print the Kordon version."""
    typer.echo(f"kordon {__version__}")


def main() -> None:
    app()
