"""Planar rules: line crossing, zones, dwell, approach; the same code in pixels or metres."""
