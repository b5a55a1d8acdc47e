"""Adapters that give library components a node lifetime (``kordon.lifecycle.Service``)."""
