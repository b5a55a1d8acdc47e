"""``kordon ledger verify`` and ``kordon verify BUNDLE``: evidence checks that work offline;
``kordon ledger rotate-key``: a new ledger key, announced by the old one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kordon.cli.common import SiteArg, err_console, load_site_or_exit
from kordon.domain.errors import KordonError
from kordon.evidence.bundle_verify import verify_bundle
from kordon.evidence.errors import WitnessError
from kordon.evidence.keys import Verifier, fingerprint
from kordon.evidence.verify import LedgerIssue, verify_ledger
from kordon.evidence.witness import WITNESS_FILE, FileWitness, WitnessedHead
from kordon.link.ledger_rotation import rotate_site_key
from kordon.services.ledger_witness import WitnessUnavailableError, witnessed_in_database

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


def _witnessed(
    data_dir: Path, database_url: str
) -> tuple[list[WitnessedHead], list[LedgerIssue], list[str]]:
    """Heads held by the site's witnesses; problems reading them; notes on skipped ones."""
    heads: list[WitnessedHead] = []
    problems: list[LedgerIssue] = []
    notes: list[str] = []
    file_witness = FileWitness(data_dir / WITNESS_FILE)
    try:
        held = file_witness.load()
    except WitnessError as exc:
        problems.append(LedgerIssue(str(exc), WITNESS_FILE))
    else:
        if held is None:
            notes.append(f"{file_witness.name} does not exist (no head signed yet?)")
        else:
            heads.append(WitnessedHead(file_witness.name, held))
    try:
        held = witnessed_in_database(database_url)
    except WitnessUnavailableError as exc:
        notes.append(f"database witness not checked: {exc}")
    except WitnessError as exc:
        problems.append(LedgerIssue(str(exc), "database"))
    else:
        if held is not None:
            heads.append(WitnessedHead("database witness (table ledger_witness)", held))
    return heads, problems, notes


@app.command("verify")
def verify(
    site: SiteArg,
    public_key: PublicKeyOpt = None,
    skip_files: Annotated[
        bool,
        typer.Option("--skip-files", help="Do not re-hash the files that entries name (faster)."),
    ] = False,
) -> None:
    """Recompute every entry, root and signature; re-hash every file an entry names;
    compare with the tree heads witnessed outside the ledger; name the first mismatch."""
    config = load_site_or_exit(site)
    data_dir = config.data_path()
    directory = ledger_dir(data_dir)
    heads, problems, notes = _witnessed(data_dir, config.database_url())
    if not (directory / "ledger.jsonl").exists() and not heads:
        err_console.print(f"kordon: no ledger at {directory}", markup=False)
        raise typer.Exit(code=2)
    report = verify_ledger(
        directory,
        public_key=_pinned(public_key),
        witnessed=heads,
        data_dir=None if skip_files else data_dir,
    )
    if skip_files:
        notes.append("files named by entries were not re-hashed (--skip-files)")
    report = replace(
        report, issues=report.issues + tuple(problems), notes=report.notes + tuple(notes)
    )
    console.print(report.render(), markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(code=1)


@app.command("rotate-key")
def rotate_key(site: SiteArg) -> None:
    """Replace the site's ledger signing key (the node stopped): the old key signs a
    key_rotation entry announcing the new one, so the centre accepts the new key's heads.
    Interrupted, run it again before starting the node."""
    config = load_site_or_exit(site)
    try:
        done = rotate_site_key(config.data_path(), time=datetime.now(UTC))
    except (KordonError, OSError) as exc:
        err_console.print(f"kordon: ledger key not rotated: {exc}", markup=False)
        raise typer.Exit(code=1) from None
    where = "announced" if done.entry is None else f"announced at entry {done.entry.seq}"
    console.print(
        f"ledger key rotated ({where}): {fingerprint(done.old_key_id)} -> "
        f"{fingerprint(done.new_key_id)}; the old private key is in {done.retired}: "
        "destroy it once the centre shows the new key",
        markup=False,
    )


def verify_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(help="Export bundle (.zip or directory).")],
    public_key: PublicKeyOpt = None,
) -> None:
    """Verify an evidence export offline: file hashes, ledger proof, signed tree head."""
    report = verify_bundle(bundle, pinned_public_key=_pinned(public_key))
    console.print(report.render(), markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(code=1)
