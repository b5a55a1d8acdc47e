"""``kordon camera calibrate``: georeference a camera and check it by eye."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Annotated

import av
import av.error
import cv2
import numpy as np
import numpy.typing as npt
import typer
from rich.console import Console
from rich.table import Table

from kordon.cli.common import SiteArg, load_site_or_exit
from kordon.config.bounded_read import (
    CONTROL_POINTS_FILE,
    SITE_FILE,
    FileReadError,
    read_bounded_text,
)
from kordon.config.camera import CameraConfig, ControlPointsGeoref, FileSource, SimulatorSource
from kordon.config.errors import ConfigError
from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.domain.errors import KordonError
from kordon.geo.camera_view import footprint_geojson
from kordon.geo.georef_writer import replace_georeference
from kordon.geo.homography import CalibrationResult, GroundControlPoint, HomographyCamera
from kordon.geo.overlay import render_calibration_overlay
from kordon.geo.projection import ImageToGround
from kordon.geo.site_geometry import SiteGeometry, gcps_of
from kordon.sim.camera_scene import scene_for_camera
from kordon.sim.render import Renderer

app = typer.Typer(help="Camera georeferencing.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)

ImageBGR = npt.NDArray[np.uint8]


class CalibrateInputError(KordonError, ValueError):
    """A control point, image or option given to ``camera calibrate`` is unusable."""


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code=2)


def parse_point(text: str, where: str) -> GroundControlPoint:
    """``u,v,lat,lon`` → a control point; errors say where and what."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise CalibrateInputError(f"{where}: expected 'u,v,lat,lon' (4 numbers), got {text!r}")
    try:
        u, v, lat, lon = (float(p) for p in parts)
    except ValueError:
        raise CalibrateInputError(f"{where}: not a number in {text!r}") from None
    if not all(math.isfinite(x) for x in (u, v, lat, lon)):
        raise CalibrateInputError(f"{where}: values must be finite, got {text!r}")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise CalibrateInputError(f"{where}: lat {lat} / lon {lon} out of range (lat first)")
    return GroundControlPoint(u_px=u, v_px=v, lon=lon, lat=lat)


def read_points_csv(path: Path) -> list[GroundControlPoint]:
    """Control points from a CSV of ``u,v,lat,lon`` rows (optional header, ``#`` comments)."""
    try:
        text = read_bounded_text(path, CONTROL_POINTS_FILE)
    except FileReadError as exc:
        raise CalibrateInputError(f"cannot read points file {exc}") from None
    points: list[GroundControlPoint] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not points and line.replace(" ", "").lower().startswith("u,v"):
            continue
        points.append(parse_point(line, f"{path.name}:{number}"))
    return points


def _grab_frame(site: SiteConfig, camera: CameraConfig, size_wh: tuple[int, int]) -> ImageBGR:
    source = camera.source
    if isinstance(source, FileSource):
        capture = cv2.VideoCapture(str(site.resolve_path(source.path)))
        try:
            ok, frame = capture.read()
        finally:
            capture.release()
        if not ok or frame is None:
            raise CalibrateInputError(
                f"camera {camera.id!r}: could not read a frame from {source.path}; "
                "pass --image FRAME.png"
            )
        return np.asarray(frame, np.uint8)
    if isinstance(source, SimulatorSource):
        scene = scene_for_camera(site, camera, source)
        renderer = Renderer(scene.scenario, scene.projector)
        image = np.asarray(renderer.render(0).image, np.uint8)
        if (image.shape[1], image.shape[0]) != size_wh:
            image = np.asarray(cv2.resize(image, size_wh), np.uint8)
        return image
    return _grab_stream_frame(camera.id, source.url)


def _grab_stream_frame(camera_id: str, url: str) -> ImageBGR:
    """The first decodable frame of a stream (10 s timeout)."""
    options = {"rtsp_transport": "tcp", "timeout": "10000000"}
    try:
        with av.open(url, options=options, timeout=10.0) as container:
            for frame in container.decode(video=0):
                return np.asarray(frame.to_ndarray(format="bgr24"), np.uint8)
    except (av.error.FFmpegError, OSError) as exc:
        raise CalibrateInputError(
            f"camera {camera_id!r}: could not grab a frame from the stream ({exc}); "
            "save a frame and pass --image FRAME.png"
        ) from exc
    raise CalibrateInputError(f"camera {camera_id!r}: the stream gave no frame")


def _image_size(camera: CameraConfig, image: ImageBGR | None) -> tuple[int, int] | None:
    if image is not None:
        return int(image.shape[1]), int(image.shape[0])
    if isinstance(camera.source, SimulatorSource):
        return camera.source.width, camera.source.height
    georef = camera.georeference
    if georef is not None and georef.kind == "pose":
        return georef.image_wh[0], georef.image_wh[1]
    return None


def _print_calibration(result: CalibrationResult, gcps: list[GroundControlPoint]) -> None:
    table = Table(title=f"camera {result.camera_id}: control points")
    for column in ("#", "u px", "v px", "lat", "lon", "error m", "error px", "inlier"):
        table.add_column(column, justify="right")
    for i, g in enumerate(gcps):
        table.add_row(
            str(i),
            f"{g.u_px:.1f}",
            f"{g.v_px:.1f}",
            f"{g.lat:.6f}",
            f"{g.lon:.6f}",
            f"{result.per_point_error_m[i]:.3f}",
            f"{result.per_point_error_px[i]:.2f}",
            "yes" if result.inliers[i] else "[red]no[/red]",
        )
    console.print(table)
    console.print(
        f"RMS error (inliers): {result.rms_error_m:.3f} m, {result.rms_error_px:.2f} px "
        f"({int(result.inliers.sum())}/{len(gcps)} inliers)"
    )


def _write_points(site_path: Path, camera_id: str, gcps: list[GroundControlPoint]) -> None:
    try:
        text = read_bounded_text(site_path, SITE_FILE)
    except FileReadError as exc:
        raise CalibrateInputError(f"cannot read site file {exc}") from None
    new_text = replace_georeference(text, camera_id, gcps)
    fd, tmp_name = tempfile.mkstemp(prefix=".kordon-", suffix=".yaml", dir=site_path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(new_text)
        try:
            load_site(tmp)
        except ConfigError as exc:
            raise CalibrateInputError(
                f"the edited site file would not validate, left unchanged:\n{exc}"
            ) from None
        tmp.replace(site_path)
    finally:
        tmp.unlink(missing_ok=True)


@app.command("calibrate")
def calibrate(  # noqa: PLR0917 - a command line has many options
    site: SiteArg,
    camera_id: Annotated[str, typer.Argument(help="Camera id in the site file.")],
    points: Annotated[
        Path | None, typer.Option("--points", help="CSV of u,v,lat,lon control points.")
    ] = None,
    point: Annotated[
        list[str] | None,
        typer.Option("--point", help="One control point 'u,v,lat,lon' (repeatable)."),
    ] = None,
    image: Annotated[
        Path | None, typer.Option("--image", help="A frame of the camera (PNG/JPEG).")
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="Write the control points into the site file.")
    ] = False,
    overlay: Annotated[
        Path | None, typer.Option("--overlay", help="Save the border/points overlay (PNG).")
    ] = None,
    fov: Annotated[
        Path | None, typer.Option("--fov", help="Save the ground field of view (GeoJSON).")
    ] = None,
    fov_range_m: Annotated[
        float, typer.Option("--fov-range-m", min=1.0, help="Field of view range, m.")
    ] = 1000.0,
) -> None:
    """Fit a camera's image → ground homography from control points (or check its pose).

    Prints the reprojection error per point and RMS (metres and pixels), draws the border
    and the points into the camera's view (--overlay) and gives its field of view on the
    ground as GeoJSON (--fov, also printed). With no points, the camera's own georeference
    (control points or pose) is checked. Exit code 2 on any bad input.
    """
    config = load_site_or_exit(site)
    try:
        camera_cfg = config.camera(camera_id)
    except KeyError as exc:
        raise _fail(str(exc.args[0])) from None
    try:
        gcps = read_points_csv(points) if points is not None else []
        gcps += [parse_point(p, f"--point {i + 1}") for i, p in enumerate(point or [])]
        frame_image: ImageBGR | None = None
        if image is not None:
            loaded = cv2.imread(str(image), cv2.IMREAD_COLOR)
            if loaded is None:
                raise CalibrateInputError(f"cannot read image {image}")
            frame_image = np.asarray(loaded, np.uint8)
        geometry = SiteGeometry.from_config(config)
        georef = camera_cfg.georeference
        if not gcps and isinstance(georef, ControlPointsGeoref):
            gcps = gcps_of(georef)
        size = _image_size(camera_cfg, frame_image)
        result: CalibrationResult | None = None
        model: ImageToGround | None
        if gcps:
            if size is None:
                raise CalibrateInputError(
                    f"camera {camera_id!r}: frame size unknown; pass --image FRAME.png"
                )
            result = geometry.calibrate(camera_id, gcps)
            model = HomographyCamera.from_calibration(result, size)
            _print_calibration(result, gcps)
        else:
            model = geometry.camera_model(camera_cfg)
            if model is None:
                raise CalibrateInputError(
                    f"camera {camera_id!r} has no georeference; give --points or --point"
                )
            console.print(f"camera {camera_id}: checking its pose georeference")
        feature = footprint_geojson(model, geometry.frame, fov_range_m)
        text = json.dumps(feature)
        console.print_json(text)
        if fov is not None:
            fov.write_text(text + "\n", encoding="utf-8")
            console.print(f"field of view written to {fov}")
        if overlay is not None:
            base = frame_image
            if base is None:
                base = _grab_frame(config, camera_cfg, model.image_size_wh)
            border = geometry.border_for_camera(camera_cfg, config)
            out = render_calibration_overlay(
                base,
                model,
                None if border is None else border.vertices_xy,
                geometry.frame,
                gcps=gcps,
                calibration=result,
            )
            if not cv2.imwrite(str(overlay), out):
                raise CalibrateInputError(f"cannot write overlay image {overlay}")
            console.print(f"overlay written to {overlay}")
        if write:
            if not gcps:
                raise CalibrateInputError("--write needs control points (--points or --point)")
            _write_points(site, camera_id, gcps)
            console.print(f"control points written to {site} (camera {camera_id})")
    except KordonError as exc:
        raise _fail(str(exc)) from None
