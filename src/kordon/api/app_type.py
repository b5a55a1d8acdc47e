"""``KordonApi``: a FastAPI app that carries its typed :class:`ApiContext` and live hub."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from kordon.api.context import ApiContext
from kordon.api.live import LiveHub


class KordonApi(FastAPI):
    """Dependencies reach the context through ``request.app`` (typed), never ``app.state``."""

    def __init__(self, context: ApiContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context
        self.live = LiveHub(context)
