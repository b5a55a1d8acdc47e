"""The ``kordon`` command line (typer + rich). Thin: each command calls library code."""

from __future__ import annotations

from kordon.cli.main import app, main

__all__ = ["app", "main"]
