"""Geo benchmarks: border signed distance + side, and per-track crossing checks.

``run()`` returns rows ``{"name", "value", "unit"}``; ``make bench`` prints them.
Reads the UA–BY line from the package data when present, else from ``../shared/data``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from importlib import resources

import numpy as np
import numpy.typing as npt

from benchmarks.common import BenchRow, main_for, shared_data_dir
from kordon.geo.border import Border
from kordon.geo.frame import LocalFrame

_NAME = "border_UKR_BLR_osm10m.geojson"


def _load_line() -> npt.NDArray[np.float64] | None:
    text: str | None = None
    packaged = resources.files("kordon").joinpath("data", _NAME)
    if packaged.is_file():
        text = packaged.read_text()
    else:
        data = shared_data_dir()
        if data is not None and (data / _NAME).is_file():
            text = (data / _NAME).read_text()
    if text is None:
        return None
    coords = json.loads(text)["features"][0]["geometry"]["coordinates"]
    return np.asarray(coords, dtype=np.float64)


def run(n_points: int = 1_000_000, n_tracks: int = 1_000) -> list[dict[str, float | str]]:
    """The benchmark rows as plain dicts (bench, name, value, unit, note)."""
    return [asdict(row) for row in bench_rows(n_points, n_tracks)]


def bench_rows(n_points: int = 1_000_000, n_tracks: int = 1_000) -> list[BenchRow]:
    lonlat = _load_line()
    if lonlat is None:
        return [BenchRow("geo", "border line not found", 0.0, "skipped", _NAME)]
    frame = LocalFrame(float(lonlat[:, 1].mean()), float(lonlat[:, 0].mean()))
    border = Border("UA-BY", lonlat, frame, left_side="UA", right_side="BY", home_side="UA")
    t0 = time.perf_counter()
    border.build_index()
    build_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    base = border.point_at_along(rng.uniform(0.0, border.length_m, n_points))
    angle = rng.uniform(0.0, 2 * np.pi, n_points)
    radius = rng.uniform(0.0, 50_000.0, n_points)
    pts = base + np.stack([np.cos(angle) * radius, np.sin(angle) * radius], axis=1)
    t0 = time.perf_counter()
    res = border.signed_distance_m(pts)
    sides = np.sign(res.distance_m)
    dist_s = time.perf_counter() - t0
    # 1,000 tracks, each one step of 1 s at walking speed near the line: has it crossed?
    starts = border.point_at_along(rng.uniform(0.0, border.length_m, n_tracks))
    starts += rng.normal(0.0, 20.0, starts.shape)
    ends = starts + rng.normal(0.0, 1.5, starts.shape)
    t0 = time.perf_counter()
    reps = 100
    for _ in range(reps):
        both = border.signed_distance_m(np.vstack([starts, ends]))
        crossed = np.sign(both.distance_m[:n_tracks]) != np.sign(both.distance_m[n_tracks:])
    cross_s = (time.perf_counter() - t0) / reps
    note = f"UA-BY line, {border.vertices_xy.shape[0]} vertices, one core"
    return [
        BenchRow("geo", "border index build", build_s, "s", note),
        BenchRow(
            "geo",
            "signed distance + side, points <= 50 km",
            n_points / dist_s,
            "points/s",
            f"{note}, {n_points:,} points",
        ),
        BenchRow("geo", "crossing check, 1,000 tracks", cross_s * 1e3, "ms/update", note),
        BenchRow("geo", "checksum: share on left side", float((sides > 0).mean()), "fraction"),
        BenchRow("geo", "checksum: tracks crossed", float(crossed.sum()), "tracks"),
    ]


if __name__ == "__main__":
    main_for(bench_rows)
