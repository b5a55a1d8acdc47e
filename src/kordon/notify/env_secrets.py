"""Secrets named by the site file and held in the environment, never in the file."""

from __future__ import annotations

from collections.abc import Mapping

from kordon.notify.errors import NotifierConfigError

MIN_SECRET_BYTES = 16


def secret_from_env(environ: Mapping[str, str], name: str, *, what: str, min_bytes: int = 1) -> str:
    """The value of ``environ[name]``; ``NotifierConfigError`` if unset, empty or too short."""
    value = environ.get(name, "")
    if not value:
        raise NotifierConfigError(f"{what}: environment variable {name} is not set")
    if len(value.encode("utf-8")) < min_bytes:
        raise NotifierConfigError(
            f"{what}: environment variable {name} holds {len(value.encode('utf-8'))} bytes; "
            f"at least {min_bytes} are needed"
        )
    return value
