"""Sectors by km range and polygon; the calibration overlay."""

from __future__ import annotations

import numpy as np
import pytest

from kordon.geo.camera_pose import CameraPose, PinholeCamera
from kordon.geo.homography import GroundControlPoint, calibrate_from_gcps
from kordon.geo.overlay import render_calibration_overlay
from kordon.geo.sectors import BorderStretchSector, PolygonSector, SectorError, SectorMap

from .helpers import FRAME, border_from_xy


def test_sector_of_km_ranges_and_polygon() -> None:
    border = border_from_xy([[0, 0], [10_000, 0]])
    box = FRAME.xy_to_lonlat([[2000, 2000], [3000, 2000], [3000, 3000], [2000, 3000]])
    sectors = SectorMap(
        FRAME,
        [
            PolygonSector("post-7", box),
            BorderStretchSector("S1", border, 0.0, 4.0, band_m=5000.0),
            BorderStretchSector("S2", border, 4.0, 10.0, band_m=5000.0),
        ],
    )
    pts = [
        [2500, 2500],
        [1000, 100],
        [3999, -4000],
        [4001, 10],
        [9000, -10],
        [10_000, 0],
        [5000, 6000],
        [-3000, 0],
    ]
    assert list(sectors.sector_of(pts)) == ["post-7", "S1", "S1", "S2", "S2", "S2", "", "S1"]
    ring = sectors.polygon_lonlat("S2")
    assert ring.shape[1] == 2
    with pytest.raises(SectorError, match="unknown sector 'S9'"):
        sectors.polygon_lonlat("S9")


def test_bad_sectors() -> None:
    border = border_from_xy([[0, 0], [10_000, 0]])
    with pytest.raises(SectorError, match=r"'S1'.*outside border 'test'"):
        SectorMap(FRAME, [BorderStretchSector("S1", border, 0.0, 40.0)])
    with pytest.raises(SectorError, match="'S1' is defined more than once"):
        SectorMap(
            FRAME,
            [BorderStretchSector("S1", border, 0, 1), BorderStretchSector("S1", border, 1, 2)],
        )
    bowtie = FRAME.xy_to_lonlat([[0, 0], [10, 10], [10, 0], [0, 10]])
    with pytest.raises(SectorError, match=r"'P'.*self-intersecting"):
        SectorMap(FRAME, [PolygonSector("P", bowtie)])


def test_overlay_draws_border_and_gcps() -> None:
    lon, lat = FRAME.xy_to_lonlat([[0.0, -60.0]])[0]
    pose = CameraPose(lat=float(lat), lon=float(lon), height_m=20.0, yaw_deg=0.0, pitch_deg=-15.0)
    cam = PinholeCamera("mast-1", pose, FRAME, (640, 480), hfov_deg=60.0)
    border_xy = np.array([[-500.0, 0.0], [500.0, 0.0]])  # crosses the view 60 m ahead
    uv = np.array([[50.0, 460.0], [590.0, 460.0], [320.0, 300.0], [100.0, 280.0], [540.0, 280.0]])
    ground = cam.pixel_to_ground(uv).xy_m
    lonlat = FRAME.xy_to_lonlat(ground)
    gcps = [GroundControlPoint(u, v, lo, la) for (u, v), (lo, la) in zip(uv, lonlat, strict=True)]
    calib = calibrate_from_gcps("mast-1", gcps, FRAME)
    image = np.zeros((480, 640, 3), dtype=np.uint8)
    out = render_calibration_overlay(image, cam, border_xy, FRAME, gcps=gcps, calibration=calib)
    assert image.sum() == 0  # input untouched
    row = int(np.rint(cam.ground_to_pixel([[0.0, 0.0]])[0][0, 1]))
    border_pixels = np.all(out[row - 2 : row + 3] == (0, 215, 255), axis=2)
    assert border_pixels.any(axis=0).sum() > 500  # spans the image width
    green = np.all(out == (0, 200, 0), axis=2)
    assert green[440:480, 30:70].any()  # the circle of GCP 0
