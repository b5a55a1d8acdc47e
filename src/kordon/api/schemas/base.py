"""Base classes: request bodies refuse unknown fields; answers are frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublicModel(BaseModel):
    model_config = ConfigDict(frozen=True)
