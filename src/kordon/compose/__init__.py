"""The composition root's private builders: each builds one part of a node from what it is
given and returns it. Only ``kordon.app`` imports them (``kordon.wiring`` builds the
device kinds)."""
