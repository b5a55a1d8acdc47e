"""Kordon benchmarks: ``make bench`` (``python -m benchmarks``)."""
