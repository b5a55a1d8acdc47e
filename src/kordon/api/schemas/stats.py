"""Answers of ``/api/stats/*``: how operators judged what each camera and rule raised."""

from __future__ import annotations

from pydantic import Field

from kordon.api.schemas.base import PublicModel
from kordon.incidents.feedback import FalseAlarmStats


class FalseAlarmStatsPublic(PublicModel):
    source_id: str = Field(description="The camera or sensor that raised the events.")
    source_name: str | None = Field(description="The camera's name; null for other sources.")
    sector_id: str | None = Field(description="The camera's sector; null for other sources.")
    rule_id: str = Field(description='The rule; "" for events without one (device events).')
    true_alarms: int = Field(ge=0)
    false_alarms: int = Field(ge=0)
    duplicates: int = Field(ge=0)
    resolved: int = Field(ge=0, description="Resolved incidents counted for this pair.")
    false_alarm_rate: float | None = Field(
        ge=0.0,
        le=1.0,
        description="false / (true + false); duplicates excluded; null before any judgement.",
    )

    @classmethod
    def of(
        cls, stats: FalseAlarmStats, *, source_name: str | None, sector_id: str | None
    ) -> FalseAlarmStatsPublic:
        return cls(
            source_id=stats.source_id,
            source_name=source_name,
            sector_id=sector_id,
            rule_id=stats.rule_id,
            true_alarms=stats.true_alarms,
            false_alarms=stats.false_alarms,
            duplicates=stats.duplicates,
            resolved=stats.resolved,
            false_alarm_rate=stats.false_alarm_rate,
        )
