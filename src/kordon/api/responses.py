"""The error answers routes declare in the OpenAPI document, all ``{"detail": "..."}``.

Each route lists every status it can answer besides its success (FastAPI adds ``422`` for
routes with parameters or a body); the schemathesis test checks that none is missing.
"""

from __future__ import annotations

from typing import Any

from kordon.api.schemas.base import PublicModel

Responses = dict[int | str, dict[str, Any]]


class ErrorPublic(PublicModel):
    detail: str


_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed request: a Host not allowed, control characters in the URL, or an "
    "invalid Content-Length (on every route)",
    401: "Not logged in, or the session cookie is invalid, expired or revoked",
    403: "CSRF token missing or invalid, or the user's role may not do this",
    404: "No such object, or it lies outside the user's sectors",
    409: "Invalid lifecycle transition or a concurrent change; nothing changed",
    413: "Request body larger than the limit",
    416: "Range not satisfiable",
    429: "Too many failed logins from this account or address (see Retry-After)",
    503: "A service (database, ledger) is not available; try again",
}


def responses(*statuses: int) -> Responses:
    """OpenAPI ``responses`` entries for ``statuses`` (each with the error model)."""
    return {
        status: {"description": _DESCRIPTIONS[status], "model": ErrorPublic} for status in statuses
    }
