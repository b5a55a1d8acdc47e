"""Base classes: request bodies refuse unknown fields and unsafe text; answers are frozen."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, model_validator

_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")


def _unsafe_field(value: object, path: str) -> str | None:
    """The path of the first string in ``value`` holding NUL or a lone surrogate."""
    if isinstance(value, str):
        return path if _UNSAFE_TEXT.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unsafe_field(key, path) or _unsafe_field(item, f"{path}.{key}")
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unsafe_field(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


class RequestBody(BaseModel):
    """A JSON request body: unknown fields, NUL characters and unpaired UTF-16 surrogates
    (``"\\ud800"``, which no UTF-8 text can hold) are refused with 422."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_unsafe_text(cls, data: object) -> object:
        found = _unsafe_field(data, "body")
        if found is not None:
            raise ValueError(f"{found}: text must not contain NUL or unpaired surrogates")
        return data


class PublicModel(BaseModel):
    model_config = ConfigDict(frozen=True)
