"""``FusionConfig``: the site tracker's parameters (strict, with bounds)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FusionConfig(BaseModel):
    """Parameters of the site tracker; every field has units in its name and bounds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    acceleration_noise_mps2: float = Field(
        0.7,
        gt=0.0,
        le=50.0,
        title="Acceleration noise",
        description="Standard deviation of the white-noise acceleration of the "
        "constant-velocity model (m/s²): larger follows turns faster, smooths less.",
    )
    initial_speed_sigma_mps: float = Field(
        2.0,
        gt=0.0,
        le=100.0,
        title="Initial speed uncertainty",
        description="Standard deviation of each velocity component of a new track (m/s).",
    )
    gate_mahalanobis2: float = Field(
        13.8,
        gt=0.0,
        le=1000.0,
        title="Association gate",
        description="Largest squared Mahalanobis distance between a track and an "
        "observation that may be associated (13.8: 99.9 % for 2-D measurements).",
    )
    local_id_bonus: float = Field(
        8.0,
        ge=0.0,
        le=100.0,
        title="Sensor-local id bonus",
        description="Cost taken off when an observation carries the sensor-local id "
        "that last supported the track (a tie-breaker between close tracks).",
    )
    confirm_hits: int = Field(
        3, ge=1, le=16, title="Confirmation hits (M)", description="Hits needed among the last N."
    )
    confirm_window: int = Field(
        5,
        ge=1,
        le=16,
        title="Confirmation window (N)",
        description="Scans of supporting sensors over which a tentative track needs M hits.",
    )
    tentative_max_coast_s: float = Field(
        1.0,
        gt=0.0,
        le=60.0,
        title="Tentative coast",
        description="A tentative track without an update for this long is deleted (s).",
    )
    confirmed_max_coast_s: float = Field(
        4.0,
        gt=0.0,
        le=600.0,
        title="Confirmed coast",
        description="A confirmed track without an update for this long is deleted (s).",
    )
    tentative_coast_revisits: float = Field(
        2.5,
        ge=1.0,
        le=20.0,
        title="Tentative coast in revisits",
        description="A tentative track supported by a scanning sensor (one with a revisit "
        "interval, such as a radar's antenna period) is kept at least this many of the "
        "longest such interval without an update: one missed look and some jitter.",
    )
    confirmed_coast_revisits: float = Field(
        3.5,
        ge=1.0,
        le=50.0,
        title="Confirmed coast in revisits",
        description="A confirmed track supported by a scanning sensor is kept at least "
        "this many of the longest such interval without an update: two missed looks "
        "and some jitter.",
    )
    max_position_sigma_m: float = Field(
        30.0,
        gt=0.0,
        le=10_000.0,
        title="Largest position uncertainty",
        description="A track whose position standard deviation (larger axis) grows past "
        "this is deleted (m).",
    )
    reorder_lag_s: float = Field(
        0.2,
        ge=0.0,
        le=10.0,
        title="Re-ordering lag",
        description="How old an observation may be and still count: within it, one "
        "older than what the tracker has processed is folded into its track at its own "
        "time; older ones are rejected as too late (s).",
    )
    max_future_s: float = Field(
        2.0,
        ge=0.0,
        le=3600.0,
        title="Future tolerance",
        description="Observations stamped more than this ahead of the current time are "
        "rejected (clock skew) (s).",
    )
    max_abs_position_m: float = Field(
        1.0e6,
        gt=0.0,
        title="Largest position",
        description="Observations farther than this from the site origin on either axis "
        "are rejected (m).",
    )
    max_variance_m2: float = Field(
        1.0e6,
        gt=0.0,
        title="Largest variance",
        description="Observations whose covariance has a variance above this are rejected "
        "(m²); wide-area sensors stay well below it.",
    )
    max_buffered: int = Field(
        200_000,
        ge=1,
        title="Buffer size",
        description="Most observations waiting for re-ordering; more are rejected.",
    )

    @model_validator(mode="after")
    def _hits_fit_window(self) -> FusionConfig:
        if self.confirm_hits > self.confirm_window:
            raise ValueError(
                f"confirm_hits ({self.confirm_hits}) must not exceed "
                f"confirm_window ({self.confirm_window})"
            )
        return self
