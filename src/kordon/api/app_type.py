"""``KordonApi``: a FastAPI app that carries its typed :class:`ApiContext`, live hub and
refused-attempt counter."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from kordon.api.context import ApiContext
from kordon.api.event_cache import EventCache
from kordon.api.live import LiveHub
from kordon.api.refusals import RefusedAttempts


class KordonApi(FastAPI):
    """Dependencies reach the context through ``request.app`` (typed), never ``app.state``."""

    def __init__(self, context: ApiContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context
        self.live = LiveHub(context)
        self.event_cache = EventCache()
        """Events read for incident pages (events never change)."""
        self.refusals = RefusedAttempts(
            context.audit, interval_s=context.settings.refusal_interval_s
        )

    def flush_refusals(self, *, everything: bool = False) -> int:
        """Write the refused-attempt counts of ended intervals (all of them at stop)."""
        return self.refusals.flush(self.context.clock(), everything=everything)
