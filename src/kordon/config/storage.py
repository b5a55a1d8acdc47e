"""Storage, API and logging settings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kordon.config.common import Slug, StrictModel


class RetentionLimits(StrictModel):
    """Limits for one camera; unset values fall back to the site-wide ones."""

    max_age_days: float | None = Field(
        default=None, gt=0.0, le=3650.0, description="Delete segments older than this, days."
    )
    max_size_gb: float | None = Field(
        default=None, gt=0.0, le=1_000_000.0, description="Keep at most this much video, GB."
    )


class RetentionConfig(StrictModel):
    """How long recordings are kept. Held (evidence) segments are never deleted."""

    max_age_days: float = Field(
        default=30.0, gt=0.0, le=3650.0, description="Delete segments older than this, days."
    )
    max_size_gb: float | None = Field(
        default=None, gt=0.0, le=1_000_000.0, description="Total video size cap, GB; none: no cap."
    )
    cameras: dict[Slug, RetentionLimits] = Field(
        default_factory=dict, description="Per-camera overrides, by camera id."
    )


class StorageConfig(StrictModel):
    """Database and recording storage."""

    database_url: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        default=None,
        description="SQLAlchemy URL (sqlite:/// or postgresql+psycopg://); none: SQLite at "
        "<data_dir>/kordon.db.",
    )
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig, description="Recording retention."
    )
    min_free_gb: float = Field(
        default=5.0, ge=0.0, le=100_000.0, description="Free disk space always kept, GB."
    )


class ApiConfig(StrictModel):
    """HTTP API and web UI listener."""

    host: Annotated[str, Field(min_length=1, max_length=253)] = Field(
        default="127.0.0.1", description="Listen address."
    )
    port: int = Field(default=8080, ge=1, le=65_535, description="Listen port.")


class LoggingConfig(StrictModel):
    """Log output."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Minimum level."
    )
    format: Literal["plain", "json"] = Field(default="plain", description="Line format.")
