"""The edge–centre link: a durable outbox at the edge, a sender and a receiver over MQTT.

See docs/edge-central.md. Nothing is lost: an entry leaves the edge's outbox only after the
centre has committed it, and the centre ingests idempotently by (edge, entry id).
"""
