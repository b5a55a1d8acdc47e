"""Non-camera sensor inputs (radar over ASTERIX, drone telemetry, ...): typed records."""
