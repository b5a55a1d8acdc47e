"""``kordon asterix decode FILE``: ASTERIX records (raw data blocks or a pcap) to JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

from kordon.cli.common import err_console
from kordon.sensors.asterix import AsterixDecodeError, AsterixDecoder, decode_input

app = typer.Typer(help="ASTERIX radar data (CAT048, CAT062, CAT034, CAT021).", no_args_is_help=True)

_MAX_BYTES = 1 << 30
_SHOWN_ERRORS = 20


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise OSError("not a regular file")
        if size > max_bytes:
            raise OSError(f"{size} bytes, more than --max-bytes {max_bytes}")
        return path.read_bytes()
    except OSError as exc:
        err_console.print(f"{path}: cannot read: {exc.strerror or exc}", markup=False)
        raise typer.Exit(code=2) from None


@app.command("decode")
def decode(
    file: Annotated[
        Path, typer.Argument(help="Raw ASTERIX data blocks, or a pcap/pcapng capture.")
    ],
    *,
    out: Annotated[Path, typer.Option(help="Output JSON lines, one object per record.")] = Path(
        "records.jsonl"
    ),
    max_bytes: Annotated[int, typer.Option(help="Refuse larger input files.", min=1)] = _MAX_BYTES,
    strict: Annotated[bool, typer.Option(help="Exit 1 when any block or record was bad.")] = False,
) -> None:
    """Decode every record; bad blocks and records are reported on stderr and counted."""
    data = _read(file, max_bytes)
    decoder = AsterixDecoder()
    shown = 0
    written = 0
    try:
        sink = out.open("w", encoding="utf-8")
    except OSError as exc:
        err_console.print(f"{out}: cannot write: {exc.strerror or exc}", markup=False)
        raise typer.Exit(code=2) from None
    with (
        sink,
        Progress(
            TextColumn("decoding"),
            BarColumn(),
            DownloadColumn(),
            console=err_console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("decode", total=len(data))
        for item in decode_input(data, decoder):
            if isinstance(item, AsterixDecodeError):
                if shown < _SHOWN_ERRORS:
                    err_console.print(f"{file}: {item}", markup=False, highlight=False)
                shown += 1
                continue
            sink.write(json.dumps(item.to_json(), separators=(",", ":")) + "\n")
            written += 1
            if written % 4096 == 0:
                progress.update(task, completed=item.offset)
        progress.update(task, completed=len(data))
    stats = decoder.stats.as_dict()
    if shown > _SHOWN_ERRORS:
        err_console.print(f"... {shown - _SHOWN_ERRORS} more error(s) not shown", markup=False)
    err_console.print(f"{written} record(s) to {out}; summary {json.dumps(stats)}", markup=False)
    if strict and shown:
        raise typer.Exit(code=1)
