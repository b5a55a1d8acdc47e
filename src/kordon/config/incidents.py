"""How events become incidents at this site: correlation and acknowledgement SLAs."""

from __future__ import annotations

from pydantic import Field

from kordon.config.common import StrictModel


class SlaConfig(StrictModel):
    """Seconds an incident of each priority may stay unacknowledged before it escalates."""

    p1_s: float = Field(default=60.0, gt=0.0, le=86_400.0, description="Priority 1, seconds.")
    p2_s: float = Field(default=120.0, gt=0.0, le=86_400.0, description="Priority 2, seconds.")
    p3_s: float = Field(default=300.0, gt=0.0, le=86_400.0, description="Priority 3, seconds.")
    p4_s: float = Field(default=900.0, gt=0.0, le=86_400.0, description="Priority 4, seconds.")
    p5_s: float = Field(default=3600.0, gt=0.0, le=86_400.0, description="Priority 5, seconds.")

    def by_priority(self) -> dict[int, float]:
        return {1: self.p1_s, 2: self.p2_s, 3: self.p3_s, 4: self.p4_s, 5: self.p5_s}


class IncidentsConfig(StrictModel):
    """Correlation of events into incidents, and escalation."""

    correlation_window_s: float = Field(
        default=120.0,
        gt=0.0,
        le=86_400.0,
        description="Events of one sector at most this many seconds apart join one incident.",
    )
    correlation_radius_m: float = Field(
        default=300.0,
        gt=0.0,
        le=100_000.0,
        description="... and at most this many metres apart (when positions are known).",
    )
    sla: SlaConfig = Field(
        default_factory=SlaConfig, description="Acknowledgement deadlines per priority."
    )
    device_offline_after_s: float = Field(
        default=60.0,
        gt=0.0,
        le=86_400.0,
        title="Device offline threshold",
        description="A camera or recorder lost (reported offline, or a camera silent) for "
        "longer than this many seconds raises a device-offline incident; its recovery "
        "joins that incident.",
    )
