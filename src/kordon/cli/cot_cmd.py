"""``kordon cot parse FILE``: Cursor-on-Target events (XML or TAK protocol) to JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kordon.cli.common import err_console
from kordon.interop.cot import CotParseError, iter_events

app = typer.Typer(help="Cursor-on-Target (CoT XML, TAK protocol).", no_args_is_help=True)

_MAX_BYTES = 64 << 20
_SHOWN_ERRORS = 20


@app.command("parse")
def parse(
    file: Annotated[
        Path, typer.Argument(help="One or more concatenated CoT XML events, or TAK protocol.")
    ],
    *,
    out: Annotated[Path, typer.Option(help="Output JSON lines, one object per event.")] = Path(
        "events.jsonl"
    ),
    max_bytes: Annotated[int, typer.Option(help="Refuse larger input files.", min=1)] = _MAX_BYTES,
    strict: Annotated[bool, typer.Option(help="Exit 1 when any event was refused.")] = False,
) -> None:
    """Parse every event; refused events are reported on stderr with their index and offset."""
    try:
        if not file.is_file():
            raise OSError("not a regular file")
        size = file.stat().st_size
        if size > max_bytes:
            raise OSError(f"{size} bytes, more than --max-bytes {max_bytes}")
        data = file.read_bytes()
    except OSError as exc:
        err_console.print(f"{file}: cannot read: {exc.strerror or exc}", markup=False)
        raise typer.Exit(code=2) from None
    written = errors = 0
    try:
        sink = out.open("w", encoding="utf-8")
    except OSError as exc:
        err_console.print(f"{out}: cannot write: {exc.strerror or exc}", markup=False)
        raise typer.Exit(code=2) from None
    with sink:
        for item in iter_events(data):
            if isinstance(item, CotParseError):
                if errors < _SHOWN_ERRORS:
                    err_console.print(f"{file}: {item}", markup=False, highlight=False)
                errors += 1
                continue
            sink.write(json.dumps(item.to_json(), separators=(",", ":")) + "\n")
            written += 1
    err_console.print(f"{written} event(s) to {out}; {errors} refused", markup=False)
    if strict and errors:
        raise typer.Exit(code=1)
