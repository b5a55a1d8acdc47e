"""Privacy-masked copies of exported clips: derived files, never evidence in their own right.

A masked copy is the clip decoded, each camera privacy polygon filled black in every frame,
and re-encoded H.264 (libx264, as the live view's masked stream); the bundle lists it
with a :class:`~kordon.evidence.manifest.Derivation` naming the original file and the
original's ledger hash. The original goes into the bundle unchanged beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kordon.config.image_rules import MaskConfig
from kordon.evidence.files import sha256_file
from kordon.evidence.manifest import Derivation, DerivedFrom, PolygonPx
from kordon.store.errors import ConflictError
from kordon.video.live.errors import LiveVideoError
from kordon.video.live.masking import write_masked_mp4

MASKED_SUFFIX = ".masked.mp4"
MASK_CODEC = "h264"


class MaskedCopyError(ConflictError):
    """A masked copy could not be made (undecodable clip, or its bytes changed): the export
    that asked for it is refused (HTTP 409), never made without it."""


def privacy_polygons(masks: Sequence[MaskConfig]) -> tuple[PolygonPx, ...]:
    """The ``purpose: privacy`` polygons of ``masks`` (detection masks hide nothing)."""
    return tuple(
        tuple((float(x), float(y)) for x, y in m.polygon) for m in masks if m.purpose == "privacy"
    )


def masked_name(name: str) -> str:
    """``clips/cam-1-ab12.mp4`` → ``clips/cam-1-ab12.masked.mp4``."""
    stem = name.removesuffix(".mp4")
    return f"{stem}{MASKED_SUFFIX}"


def write_masked_copy(
    source: Path,
    target: Path,
    masks: Sequence[MaskConfig],
    *,
    derived_from: DerivedFrom,
) -> Derivation:
    """Write the masked re-encode of ``source`` to ``target`` and describe it.

    ``derived_from`` is the original's bundle name and ledger hash: ``source`` must still
    have that hash (checked first, so the copy is made of the vouched bytes).
    ``MaskedCopyError`` when it does not, when there is no privacy polygon, or when the
    clip cannot be decoded or encoded.
    """
    polygons = privacy_polygons(masks)
    if not polygons:
        raise MaskedCopyError(f"{derived_from.name}: the camera has no privacy mask to apply")
    actual = sha256_file(source)
    if actual != derived_from.sha256:
        raise MaskedCopyError(
            f"{derived_from.name} has sha256 {actual[:16]}…, not the {derived_from.sha256[:16]}… "
            "its ledger entry recorded; no masked copy made"
        )
    try:
        write_masked_mp4(source, target, masks)
    except LiveVideoError as exc:
        raise MaskedCopyError(f"{derived_from.name}: {exc}") from exc
    return Derivation(
        derived_from=derived_from,
        transform="privacy_mask",
        polygons_px=polygons,
        codec=MASK_CODEC,
    )
