"""``kordon analyze VIDEO``: lines, zones and tracks on a video file, with a progress bar."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from kordon.analyze.options import AnalyzeError, AnalyzeOptions, LineSpec, ModelChoice, ZoneSpec
from kordon.cli.common import err_console

if TYPE_CHECKING:
    from kordon.analyze.job import ProgressUpdate


def _start_time(video: Path, start: str | None) -> datetime:
    if start is not None:
        try:
            parsed = datetime.fromisoformat(start)
        except ValueError:
            raise AnalyzeError(f"--start {start!r}: expected an ISO 8601 time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        return datetime.fromtimestamp(video.stat().st_mtime, UTC)
    except OSError:
        raise AnalyzeError(f"{video}: no such file") from None


def analyze(
    video: Annotated[Path, typer.Argument(help="Video file.", show_default=False)],
    *,
    line: Annotated[
        list[str] | None,
        typer.Option(
            help="Counting line x1,y1,x2,y2 in pixels (repeatable; named line-1, line-2…). "
            "'in' = crossing from its left to its right, looking from point 1 to point 2."
        ),
    ] = None,
    zone: Annotated[
        list[str] | None,
        typer.Option(help="Zone polygon x1,y1,x2,y2,x3,y3,... (repeatable; zone-1…)."),
    ] = None,
    model: Annotated[str, typer.Option(help="nanodet, ssdlite, motion or yolo:PATH.")] = "nanodet",
    fps: Annotated[
        float,
        typer.Option(
            help="Analytics frames per second (0: every frame). 5 matches the "
            "site default and halves the work on 10 fps video."
        ),
    ] = 5.0,
    threads: Annotated[int, typer.Option(help="Inference threads.")] = 2,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("analyze-out"),
    no_video: Annotated[bool, typer.Option("--no-video", help="Skip the annotated MP4.")] = False,
    start: Annotated[
        str | None,
        typer.Option(help="UTC time of the first frame (ISO 8601); default: file mtime."),
    ] = None,
) -> None:
    """Detect, track and count in VIDEO; write events.jsonl, tracks.txt (MOTChallenge),
    annotated.mp4 and summary.json to --out."""
    try:
        options = AnalyzeOptions(
            video=video,
            out_dir=out,
            lines=tuple(LineSpec.parse(t, f"line-{i}") for i, t in enumerate(line or [], 1)),
            zones=tuple(ZoneSpec.parse(t, f"zone-{i}") for i, t in enumerate(zone or [], 1)),
            model=ModelChoice.parse(model),
            fps=None if fps == 0 else fps,
            threads=threads,
            write_video=not no_video,
        )
        from kordon.analyze.job import AnalyzeJob  # OpenCV, onnxruntime, PyAV: only when used

        job = AnalyzeJob(options, start_time=_start_time(video, start))
        bar = Progress(
            TextColumn("[bold]analyze[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=err_console,
        )
        task = bar.add_task("analyze", total=None, rate="", start=False)

        def report(p: ProgressUpdate) -> None:
            if not bar.live.is_started:  # shown only once the video decodes
                bar.start()
                bar.start_task(task)
            rate = f"{p.analysed_fps:5.1f} fps, {p.realtime_factor:4.1f}× real time"
            bar.update(task, completed=p.frames_decoded, total=p.frames_total, rate=rate)

        try:
            summary = job.run(report)
        finally:
            bar.stop()
    except AnalyzeError as exc:
        err_console.print(f"kordon analyze: {exc}", markup=False, highlight=False)
        raise typer.Exit(code=2) from None
    counts = ", ".join(
        f"{name}: in {c.get('in', 0)} out {c.get('out', 0)}" for name, c in summary.lines.items()
    )
    typer.echo(
        f"{summary.frames_analysed} frames analysed in {summary.wall_s:.1f} s "
        f"({summary.realtime_factor:.1f}× real time); {summary.events} events"
        + (f"; {counts}" if counts else "")
        + f"; results in {out}"
    )
