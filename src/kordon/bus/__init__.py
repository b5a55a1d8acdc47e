"""Typed messages between the parts of a node (in-process), and to other nodes (MQTT)."""
