"""Kordon: open-source border surveillance and monitoring platform."""

__version__ = "0.1.0"
