"""Trace one border-range episode frame by frame: where a crossing gets lost.

For each analysed frame and each person of the episode (the intruder within
``--window-m`` of the border, the patrol always), one line: the true signed distance to
the border (m, + = left of the border as digitised), the drawn
box, the detection plan (``ski``p / ``reg``ion crops / ``ful``l) and whether a crop holds
the box, the best-overlapping detection (IoU / score), the best-overlapping track (id,
``c`` confirmed or ``u`` tentative, IoU), its box bottom against the true one, and its
smoothed ground distance and 1-sigma uncertainty from the geo stage; then any border
events. So a missed crossing reads as a gate skip (``ski``), a detector miss (IoU 0 in a
crop), a broken track (ids change near ``d = 0``) or a rule still waiting (``gd`` inside
``2.33 sig``).

Usage::

    python -m benchmarks.trace_border "200 m day" --seed 0 --episodes 1
    python -m benchmarks.trace_border "100 m day" --seed 0 --dump-from 13 --dump-to 15
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from benchmarks.bench_border_recall import CAMERA, SETTINGS, SITE, T0
from kordon.config.loader import load_site
from kordon.domain.event import EventKind
from kordon.geo.site_geometry import SiteGeometry
from kordon.geo.stage import GeoStage
from kordon.sim.geo_scene import INTRUDER_ID, PATROL_ID, build_geo_scene
from kordon.sim.ground_truth import crossings
from kordon.sim.range_site import camera_at_range
from kordon.sim.render import Renderer
from kordon.sim.scenario import ActorClass
from kordon.video.detectors.boxes import iou_matrix
from kordon.video.factory import build_camera_pipeline
from kordon.video.source.frame import Frame


def _best(box: npt.NDArray[np.float64], others: npt.NDArray[np.floating]) -> tuple[int, float]:
    """Index and IoU of the row of ``others`` overlapping ``box`` most (-1, 0 if none)."""
    if len(others) == 0:
        return -1, 0.0
    iou = iou_matrix(box.reshape(1, 4), np.asarray(others, np.float64).reshape(-1, 4))[0]
    k = int(np.argmax(iou))
    return (k, float(iou[k])) if iou[k] > 0 else (-1, 0.0)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.trace_border")
    parser.add_argument("setting", choices=[s.name for s in SETTINGS])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=1)
    parser.add_argument("--window-m", type=float, default=12.0)
    parser.add_argument("--dump-from", type=float, default=None, help="list every box from")
    parser.add_argument("--dump-to", type=float, default=None)
    args = parser.parse_args(argv)
    setting = {s.name: s for s in SETTINGS}[args.setting]
    site = load_site(SITE)
    geometry = SiteGeometry.from_config(site)
    geometry.build_indexes()
    moved = camera_at_range(
        site,
        CAMERA,
        setting.range_m,
        kind="thermal" if setting.spec.thermal else "visible",
        geometry=geometry,
    )
    camera = moved.camera(CAMERA)
    scene = build_geo_scene(
        moved,
        CAMERA,
        args.seed,
        episodes=args.episodes,
        fps=camera.analytics.fps,
        geometry=geometry,
        spec=setting.spec,
    )
    stage = GeoStage.from_site(moved, CAMERA, geometry=geometry)
    if stage is None or stage.border is None:
        print(f"{CAMERA} has no geo stage or border", file=sys.stderr)
        return 1
    stage.start()
    border = stage.border
    pipeline = build_camera_pipeline(camera, moved, track_stages=[stage])
    pipeline.load()
    renderer = Renderer(scene.scenario, scene.projector)
    duration = scene.scenario.duration_s or 0.0
    people = [
        a for a in scene.scenario.cast.actors_between(0.0, duration) if a.kind is ActorClass.PERSON
    ]
    truth = crossings(people, scene.line, clearance=scene.clearance)
    print("true crossings:", [(c.actor_id, round(c.time_s, 2)) for c in truth])
    lo = args.dump_from if args.dump_from is not None else np.inf
    hi = args.dump_to if args.dump_to is not None else -np.inf
    for k in range(scene.scenario.frame_count or 0):
        pts = scene.scenario.frame_time_s(k)
        rendered = renderer.render(k)
        frame = Frame(image=rendered.image, index=k, pts_s=pts, time=T0 + timedelta(seconds=pts))
        res = pipeline.process(frame)
        ground = {p.track_id: p for p in stage.latest_positions()}
        if lo <= pts <= hi:
            dets = [(np.round(b).tolist(), round(float(s), 2)) for b, s, _ in res.detections]
            print(f"  detections {dets} crops {res.plan.crops_xyxy_px}")
        for actor in rendered.truth.actors:
            role = actor.actor_id % 1000
            if role not in (INTRUDER_ID, PATROL_ID) or actor.xyxy_px is None:
                continue
            d_m = float(border.signed_distance_m(np.array([actor.path_xy])).distance_m[0])
            if role == INTRUDER_ID and abs(d_m) > args.window_m:
                continue
            box = np.asarray(actor.xyxy_px, np.float64)
            held = any(
                c[0] <= box[0] and c[1] <= box[1] and c[2] >= box[2] and c[3] >= box[3]
                for c in res.plan.crops_xyxy_px
            )
            di, d_iou = _best(box, res.detections.xyxy_px)
            score = float(res.detections.confidence[di]) if di >= 0 else 0.0
            ti, t_iou = _best(box, res.tracks.xyxy_px)
            line = (
                f"{pts:6.1f} actor {actor.actor_id:5d} d={d_m:6.2f} "
                f"box=({box[0]:.0f},{box[1]:.0f},{box[2] - box[0]:.0f}x{box[3] - box[1]:.0f}) "
                f"plan={res.plan.kind.value[:3]}{len(res.plan.crops_xyxy_px)} held={int(held)} "
                f"det={d_iou:.2f}/{score:.2f}"
            )
            if ti >= 0:
                tid = int(res.tracks.tracker_id[ti])
                state = "c" if bool(res.tracks.confirmed[ti]) else "u"
                bottom = float(res.tracks.xyxy_px[ti, 3])
                line += f" track={tid}{state}/{t_iou:.2f} bottom{bottom - box[3]:+.1f}px"
                pos = ground.get(tid)
                if pos is not None:
                    xy = np.array([[pos.east_m, pos.north_m]])
                    gd = float(border.signed_distance_m(xy).distance_m[0])
                    line += f" gd={gd:6.2f} sig={pos.uncertainty_m:.2f}"
            print(line)
        for e in res.events:
            if e.kind is EventKind.BORDER_CROSSING:
                at = (e.time - T0).total_seconds()
                print(f"{pts:6.1f} EVENT {e.direction} at {at:.2f} s, track {e.track_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
