"""Procedural backgrounds: textured ground, a dirt track, bushes, sky; deterministic per seed.

Built once per scene (tens of milliseconds) and cached by the renderer together with a few
sensor-noise variants, so a frame costs a copy plus the actors.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from kordon.sim.projector import Projector
from kordon.sim.scenario import BackgroundSpec

ImageBGR = npt.NDArray[np.uint8]
FloatImage = npt.NDArray[np.float32]


def value_noise(
    rng: np.random.Generator, width_px: int, height_px: int, cells: tuple[int, ...]
) -> FloatImage:
    """Sum of smooth random octaves (``cells`` grid sizes), roughly in [-1, 1]."""
    total = np.zeros((height_px, width_px), np.float32)
    amplitude = 1.0
    for n in cells:
        grid = rng.standard_normal((max(n * height_px // width_px, 2), n)).astype(np.float32)
        total += amplitude * cv2.resize(grid, (width_px, height_px), interpolation=cv2.INTER_CUBIC)
        amplitude *= 0.5
    return np.asarray(np.clip(total / 2.0, -1.0, 1.0), np.float32)


def _scale_at(projector: Projector | None, u: float, v: float) -> float:
    """Metres per pixel at an image point (1 cm when unknown, e.g. above the horizon)."""
    if projector is None:
        return 0.02
    p = projector.project(u, v)
    return 0.02 if p is None else p.m_per_px


def build_background(
    spec: BackgroundSpec,
    resolution_wh: tuple[int, int],
    *,
    thermal: bool = False,
    scale_projector: Projector | None = None,
) -> ImageBGR:
    """The noiseless background image (H×W×3 uint8 BGR).

    ``scale_projector``, when it maps image pixels to metres-per-pixel (image-space scenes),
    sizes the bushes so they shrink with distance like the actors do.
    """
    w, h = resolution_wh
    rng = np.random.default_rng([spec.seed, 7])
    if spec.image is not None:
        img = np.asarray(cv2.resize(spec.image, (w, h), interpolation=cv2.INTER_AREA), np.uint8)
        if thermal:
            grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
            cool = (40.0 + grey * 0.25).astype(np.uint8)
            return np.asarray(cv2.cvtColor(cool, cv2.COLOR_GRAY2BGR), np.uint8)
        return np.ascontiguousarray(img)

    texture = value_noise(rng, w, h, (6, 24, 96))
    fine = value_noise(rng, w, h, (192,))
    ground = np.empty((h, w, 3), np.float32)
    # Grass and earth: green-brown, patchy.
    base = np.array([55.0, 105.0, 95.0], np.float32)
    tint = np.array([-10.0, 25.0, 30.0], np.float32)
    ground[:] = base + texture[..., None] * tint + fine[..., None] * 12.0

    if len(spec.road_px) >= 2:
        road_mask = np.zeros((h, w), np.uint8)
        pts = np.round(np.asarray(spec.road_px, np.float64)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(road_mask, [pts], False, 255, int(max(spec.road_width_px, 1)), cv2.LINE_AA)
        road_mask = np.asarray(cv2.GaussianBlur(road_mask, (0, 0), 2.0), np.uint8)
        a = (road_mask.astype(np.float32) / 255.0)[..., None]
        dirt = np.array([110.0, 140.0, 160.0], np.float32) + fine[..., None] * 18.0
        ground = ground * (1 - a) + dirt * a

    for _ in range(spec.bushes):
        u = float(rng.uniform(0, w))
        v = float(rng.uniform(0, h))
        if spec.horizon_v_px is not None and v < spec.horizon_v_px + 4:
            continue
        radius = max(0.6 / _scale_at(scale_projector, u, v), 3.0) * float(rng.uniform(0.6, 1.4))
        colour = np.array([40.0, 80.0, 55.0]) * float(rng.uniform(0.7, 1.1))
        for _blob in range(int(rng.integers(3, 7))):
            cu = int(u + rng.normal(0, radius * 0.6))
            cv = int(v + rng.normal(0, radius * 0.4))
            r = int(max(radius * rng.uniform(0.4, 0.8), 2))
            cv2.circle(ground, (cu, cv + r // 3), r, (colour * 0.6).tolist(), -1, cv2.LINE_AA)
            cv2.circle(ground, (cu, cv), r, colour.tolist(), -1, cv2.LINE_AA)

    if spec.horizon_v_px is not None:
        hv = int(np.clip(round(spec.horizon_v_px), 0, h))
        if hv > 0:
            f = np.linspace(0.0, 1.0, hv, dtype=np.float32)[:, None, None]
            top = np.array([190.0, 140.0, 100.0], np.float32)
            low = np.array([235.0, 215.0, 200.0], np.float32)
            ground[:hv] = top * (1 - f) + low * f + texture[:hv, :, None] * 6.0
        # Distant haze just below the horizon.
        band = min(h - hv, 40)
        if band > 0:
            g = np.linspace(0.6, 0.0, band, dtype=np.float32)[:, None, None]
            ground[hv : hv + band] = ground[hv : hv + band] * (1 - g) + 200.0 * g

    img = np.clip(ground, 0, 255).astype(np.uint8)
    if thermal:
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        cool = np.clip(35.0 + grey * 0.3 + texture * 8.0, 0, 255).astype(np.uint8)
        return np.asarray(cv2.cvtColor(cool, cv2.COLOR_GRAY2BGR), np.uint8)
    return img


def noise_variants(
    background: ImageBGR, sigma: float, count: int, seed: int, *, monochrome: bool = False
) -> tuple[ImageBGR, ...]:
    """``count`` copies of ``background`` with independent Gaussian sensor noise (the same in
    every channel when ``monochrome``, as from a thermal sensor)."""
    if sigma <= 0:
        return (background,)
    rng = np.random.default_rng([seed, 11])
    out: list[ImageBGR] = []
    base = background.astype(np.int16)
    for _ in range(count):
        h, w = background.shape[:2]
        shape = (h, w, 1) if monochrome else (h, w, 3)
        noise = np.round(rng.normal(0.0, sigma, shape)).astype(np.int16)
        out.append(np.clip(base + noise, 0, 255).astype(np.uint8))
    return tuple(out)
