"""Per-class score thresholds and the class filter, resolved from names once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from kordon.video.detectors.errors import DetectorError


def _check_score(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise DetectorError(f"{name} must be in [0, 1], got {value}")


def class_thresholds(
    labels: Sequence[str],
    *,
    score_threshold: float,
    classes: Sequence[str] | None = None,
    class_score_thresholds: Mapping[str, float] | None = None,
) -> npt.NDArray[np.float32]:
    """One minimum score per label; classes filtered out get a threshold above 1.

    ``classes`` keeps only the named classes (``None`` keeps all); ``class_score_thresholds``
    overrides ``score_threshold`` per class name. Unknown names raise ``DetectorError``
    listing the valid names, so a typo in a site file does not silently drop a class.
    """
    _check_score("score_threshold", score_threshold)
    index = {name: i for i, name in enumerate(labels)}
    wanted = list(classes) if classes is not None else list(labels)
    overrides = dict(class_score_thresholds or {})
    unknown = sorted({n for n in [*wanted, *overrides] if n not in index})
    if unknown:
        raise DetectorError(
            f"unknown class name(s) {unknown}; this detector's classes are {list(labels)}"
        )
    thresholds = np.full(len(labels), np.inf, np.float32)
    for name in wanted:
        thresholds[index[name]] = score_threshold
    for name, value in overrides.items():
        _check_score(f"class_score_thresholds[{name!r}]", value)
        if np.isfinite(thresholds[index[name]]):
            thresholds[index[name]] = value
    return thresholds
