"""``kordon drone track LOG``: a drone log (``.tlog`` / DataFlash ``.bin``) to a GeoJSON track."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kordon.cli.common import err_console
from kordon.sensors.mavlink import TelemetryLogReader, TelemetryReadError, track_geojson, tracks_of

app = typer.Typer(help="Drones: MAVLink telemetry logs.", no_args_is_help=True)


@app.command("track")
def track(
    log_file: Annotated[
        Path, typer.Argument(help="Telemetry log: .tlog or DataFlash .bin.", show_default=False)
    ],
    *,
    out: Annotated[Path, typer.Option("--out", help="Output GeoJSON file.")] = Path(
        "track.geojson"
    ),
    max_speed_mps: Annotated[
        float, typer.Option(min=1.0, help="Fixes implying a faster move are dropped as jumps.")
    ] = 150.0,
) -> None:
    """Write the flight path of every vehicle in LOG as a GeoJSON LineString with times.

    Exit 2 when the file cannot be read, 1 when it holds no position fix.
    """
    try:
        log = TelemetryLogReader(max_speed_mps=max_speed_mps).read(log_file)
    except TelemetryReadError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(code=2) from None
    for reason, count in sorted(log.dropped.items()):
        err_console.print(f"dropped {count} × {reason.value}", markup=False)
    tracks = tracks_of(log)
    if not tracks:
        err_console.print(
            f"error: {log_file}: no position fix in {log.messages} messages "
            "(no GLOBAL_POSITION_INT, GPS_RAW_INT or DataFlash GPS with a fix)",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(code=1)
    if not log.utc_clock:
        err_console.print("warning: the log has no GPS time: times are since boot", markup=False)
    out.write_text(json.dumps(track_geojson(tracks)) + "\n", encoding="utf-8")
    for t in tracks:
        typer.echo(f"system {t.system_id}: {len(t.positions)} positions from {t.source.value}")
    typer.echo(f"wrote {out}")
