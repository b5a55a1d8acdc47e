"""``Category``: what kind of equipment a procurement line buys."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    CAMERA = "camera"
    RECORDER = "recorder"
    DRONE = "drone"
    GROUND_SENSOR = "ground_sensor"
    RADAR = "radar"
    BODY_ARMOUR = "body_armour"
    HELMET = "helmet"
    VEHICLE = "vehicle"
    RADIO = "radio"
    IT = "it"

    @property
    def networked(self) -> bool:
        """Whether assets of this kind report their own health (uptime can be computed)."""
        return self in NETWORKED


NETWORKED = frozenset(
    {Category.CAMERA, Category.RECORDER, Category.DRONE, Category.GROUND_SENSOR, Category.RADAR}
)
"""Categories linked to devices configured in the site file."""

_ALIASES = {
    "ground sensor": "ground_sensor",
    "body armour": "body_armour",
    "body armor": "body_armour",
    "body_armor": "body_armour",
}


def parse_category(text: str) -> Category:
    """The category named by ``text`` (case and spaces tolerated); ``ValueError`` listing the
    valid names otherwise."""
    key = " ".join(text.strip().lower().split())
    key = _ALIASES.get(key, key.replace(" ", "_"))
    try:
        return Category(key)
    except ValueError:
        valid = ", ".join(c.value for c in Category)
        raise ValueError(f"unknown category {text!r}; valid: {valid}") from None
