"""Outbound integrations: MQTT and webhook notifiers, Prometheus metrics.

See docs/integrations.md.
"""
