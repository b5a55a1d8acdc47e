"""The ``fusion`` section: the site-level picture (site tracker, site rules, corroboration)."""

from __future__ import annotations

from pydantic import Field

from kordon.config.common import StrictModel
from kordon.fusion.config import FusionConfig


def _node_tracker() -> FusionConfig:
    # In a node the re-ordering lag is also how long a slow sensor is waited for.
    return FusionConfig(reorder_lag_s=2.0)


class CorroborationConfig(StrictModel):
    """When a crossing seen by one sensor alone must wait for a second one."""

    single_sensor_min_confidence: float = Field(
        0.35,
        ge=0.0,
        le=1.0,
        description="A border crossing of a track supported by one sensor only alerts at "
        "once when the track's confidence is at least this; below it, the crossing waits "
        "for a second sensor to see the track (0 turns the wait off). Sectors may override.",
    )
    confirm_within_s: float = Field(
        15.0,
        gt=0.0,
        le=600.0,
        description="How long a waiting crossing is kept for a second sensor before it "
        "is dropped (and counted as unconfirmed) (s).",
    )


class SiteFusionConfig(StrictModel):
    """One picture of the site: every sensor's observations fused into site tracks."""

    enabled: bool = Field(
        True,
        description="Fuse all sensors into site tracks and run the border, approach and "
        "zone rules on them (one track and one incident per object, whatever sees it). "
        "Off: each camera runs those rules on its own tracks.",
    )
    tracker: FusionConfig = Field(
        default_factory=_node_tracker,
        description="The site tracker's parameters (its reorder_lag_s is also the longest "
        "a slow sensor is waited for).",
    )
    corroboration: CorroborationConfig = Field(
        default_factory=CorroborationConfig, description="Confirmation by a second sensor."
    )
    publish_tentative: bool = Field(
        False, description="Also show tentative (unconfirmed) site tracks on the map."
    )
