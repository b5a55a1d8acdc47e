"""Mapping of errors to HTTP answers ``{"detail": ...}``.

Kordon errors map to their status; validation errors answer 422 with the details, rendered
so that any input echoed back is valid UTF-8 (a lone surrogate from a JSON ``\\ud800``
escape would otherwise make the error answer itself fail with 500).
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import JsonValue

from kordon.domain.errors import KordonError
from kordon.domain.incident import InvalidTransitionError
from kordon.store.errors import ConflictError, InvalidInputError, NotFoundError, StoreError

logger = logging.getLogger(__name__)

_INCIDENT_PREFIX = re.compile(r"^incident [^:]*: ")
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_safe(value: JsonValue) -> JsonValue:
    """``value`` with every lone surrogate replaced by U+FFFD (so it encodes as UTF-8)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [text_safe(v) for v in value]
    if isinstance(value, dict):
        return {text_safe(k): text_safe(v) for k, v in value.items()}  # type: ignore[misc]
    return value


def _detail(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": text_safe(detail)}, status_code=status)


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


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail: JsonValue = jsonable_encoder(errors)
    return JSONResponse({"detail": text_safe(detail)}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KordonError, _kordon_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
