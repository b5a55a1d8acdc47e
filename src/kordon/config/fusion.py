"""The ``fusion`` section: the site-level picture (site tracker, site rules, corroboration)."""

from __future__ import annotations

from pydantic import Field, model_validator

from kordon.config.common import StrictModel
from kordon.fusion.config import FusionConfig


def _node_tracker() -> FusionConfig:
    # In a node a report up to 2 s old still counts (folded in at its own time).
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
        description="The site tracker's parameters (its reorder_lag_s is the oldest a "
        "report may be and still count).",
    )
    hold_s: float = Field(
        0.05,
        ge=0.0,
        le=10.0,
        description="How long the picture waits for a slower sensor before it goes ahead "
        "(and runs the rules) without it (s). A report that arrives later still counts: it "
        "is folded into its track at its own time, up to tracker.reorder_lag_s old. Longer "
        "holds trade alert latency for exact time order.",
    )
    corroboration: CorroborationConfig = Field(
        default_factory=CorroborationConfig, description="Confirmation by a second sensor."
    )
    publish_tentative: bool = Field(
        False, description="Also show tentative (unconfirmed) site tracks on the map."
    )

    @model_validator(mode="after")
    def _hold_within_the_lag(self) -> SiteFusionConfig:
        if self.hold_s > self.tracker.reorder_lag_s:
            raise ValueError(
                f"hold_s ({self.hold_s} s) must not exceed tracker.reorder_lag_s "
                f"({self.tracker.reorder_lag_s} s): a report held longer than the lag could "
                "never be used"
            )
        return self
