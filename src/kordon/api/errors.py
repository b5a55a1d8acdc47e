"""Mapping of Kordon errors to HTTP answers ``{"detail": "..."}``."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from kordon.domain.errors import KordonError
from kordon.domain.incident import InvalidTransitionError
from kordon.store.errors import ConflictError, InvalidInputError, NotFoundError, StoreError

logger = logging.getLogger(__name__)

_INCIDENT_PREFIX = re.compile(r"^incident [^:]*: ")


def _detail(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _kordon_error(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InvalidTransitionError):
        return _detail(409, _INCIDENT_PREFIX.sub("", str(exc)))
    if isinstance(exc, ConflictError):
        return _detail(409, str(exc))
    if isinstance(exc, NotFoundError):
        return _detail(404, str(exc))
    if isinstance(exc, InvalidInputError):
        return _detail(422, str(exc))
    if isinstance(exc, StoreError):
        logger.error("store failure: %s", exc)
        return _detail(503, "the database is not available; try again")
    logger.warning("request refused: %s: %s", type(exc).__name__, exc)
    return _detail(400, str(exc))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KordonError, _kordon_error)
