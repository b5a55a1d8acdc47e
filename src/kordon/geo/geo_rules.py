"""Geo rules against a real border: crossing (inbound/outbound), approach, zones in metres."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kordon.domain.event import Direction, EventKind, Frame
from kordon.geo.border import Border
from kordon.geo.border_line import BorderLine
from kordon.geo.site_geometry import ZoneArea
from kordon.rules.approach import ApproachRule
from kordon.rules.line_crossing import LineCrossingRule
from kordon.rules.zone import ZoneRule


@dataclass(frozen=True)
class GeoRuleSettings:
    """Thresholds of the geo rules (metres, seconds, quality in [0, 1]).

    A border crossing is decided from the smoothed ground position and its covariance: a
    position counts as on a side once the probability that it really is there reaches
    ``crossing_confidence`` *and* it is at least ``crossing_clear_m`` from the line;
    ``crossing_updates`` consecutive such positions on the new side confirm the crossing.
    """

    crossing_clear_m: float = 1.0
    crossing_confidence: float = 0.99
    crossing_updates: int = 2
    crossing_cooldown_s: float = 10.0
    min_quality: float = 0.3
    approach_m: float | None = 30.0
    approach_min_speed_mps: float = 0.3
    approach_cooldown_s: float = 60.0
    zone_margin_m: float = 2.0
    classes: tuple[str, ...] | None = None
    forget_after_s: float = 10.0


def inbound_is_left_to_right(border: Border) -> bool:
    """A crossing from the left side to the right is inbound when home is on the right."""
    return border.home_side == border.right_side


def border_crossing_rule(
    rule_id: str, source_id: str, line: BorderLine, settings: GeoRuleSettings
) -> LineCrossingRule:
    """``border_crossing`` events: ``inbound`` from the foreign side to home, else ``outbound``."""
    left_to_right = (
        Direction.INBOUND if inbound_is_left_to_right(line.border) else Direction.OUTBOUND
    )
    return LineCrossingRule(
        rule_id,
        source_id,
        Frame.LOCAL,
        line,
        left_to_right=left_to_right,
        classes=settings.classes,
        hysteresis_distance=settings.crossing_clear_m,
        hysteresis_frames=settings.crossing_updates,
        confidence=settings.crossing_confidence,
        cooldown_s=settings.crossing_cooldown_s,
        min_quality=settings.min_quality,
        forget_after_s=settings.forget_after_s,
        kind=EventKind.BORDER_CROSSING,
    )


def border_approach_rule(
    rule_id: str, source_id: str, line: BorderLine, settings: GeoRuleSettings
) -> ApproachRule | None:
    """``border_approach`` within ``approach_m`` on either side (None when disabled)."""
    if settings.approach_m is None:
        return None
    return ApproachRule(
        rule_id,
        source_id,
        Frame.LOCAL,
        line,
        distance=settings.approach_m,
        min_speed=settings.approach_min_speed_mps,
        cooldown_s=settings.approach_cooldown_s,
        classes=settings.classes,
        min_quality=settings.min_quality,
        forget_after_s=settings.forget_after_s,
    )


def zone_rules(
    source_id: str, zones: Iterable[ZoneArea], settings: GeoRuleSettings
) -> list[ZoneRule]:
    """One enter/exit (+ dwell when the zone has ``dwell_s``) rule per zone."""
    rules: list[ZoneRule] = []
    for zone in zones:
        events = ("enter", "exit", "dwell") if zone.dwell_s is not None else ("enter", "exit")
        rules.append(
            ZoneRule(
                f"zone-{zone.zone_id}",
                source_id,
                Frame.LOCAL,
                zone.polygon_xy,
                events=events,
                dwell_s=zone.dwell_s,
                classes=settings.classes,
                hysteresis_distance=settings.zone_margin_m,
                min_quality=settings.min_quality,
                forget_after_s=settings.forget_after_s,
            )
        )
    return rules
