"""``kordon ledger verify`` and ``kordon verify BUNDLE``: evidence checks that work offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kordon.cli.common import SiteArg, err_console, load_site_or_exit
from kordon.evidence.bundle_verify import verify_bundle
from kordon.evidence.keys import Verifier
from kordon.evidence.verify import verify_ledger

app = typer.Typer(help="The evidence ledger.", no_args_is_help=True)
console = Console(soft_wrap=True)

PublicKeyOpt = Annotated[
    Path | None,
    typer.Option("--public-key", help="Pin the site's public key (PEM); fail on any other key."),
]


def _pinned(path: Path | None) -> Verifier | None:
    if path is None:
        return None
    try:
        return Verifier.from_pem(path.read_bytes())
    except (OSError, ValueError) as exc:
        err_console.print(f"kordon: cannot read public key {path}: {exc}", markup=False)
        raise typer.Exit(code=2) from None


def ledger_dir(site_data: Path) -> Path:
    """Where a site keeps its ledger (``<data_dir>/ledger``)."""
    return site_data / "ledger"


@app.command("verify")
def verify(site: SiteArg, public_key: PublicKeyOpt = None) -> None:
    """Recompute every entry, root and signature; name the first entry that does not match."""
    config = load_site_or_exit(site)
    directory = ledger_dir(config.data_path())
    if not (directory / "ledger.jsonl").exists():
        err_console.print(f"kordon: no ledger at {directory}", markup=False)
        raise typer.Exit(code=2)
    report = verify_ledger(directory, public_key=_pinned(public_key))
    console.print(report.render(), markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(code=1)


def verify_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(help="Export bundle (.zip or directory).")],
    public_key: PublicKeyOpt = None,
) -> None:
    """Verify an evidence export offline: file hashes, ledger proof, signed tree head."""
    report = verify_bundle(bundle, pinned_public_key=_pinned(public_key))
    console.print(report.render(), markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(code=1)
