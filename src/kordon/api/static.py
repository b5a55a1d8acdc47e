"""The built web UI at ``/``, with single-page-app fallback to ``index.html``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse


def spa_router(directory: Path) -> APIRouter:
    """Serve files under ``directory``; unknown paths get ``index.html`` (client routing).

    Paths never leave ``directory``; ``/api/…`` paths are never answered here.
    """
    root = directory.resolve()
    index = root / "index.html"
    router = APIRouter(include_in_schema=False)

    @router.get("/{path:path}")
    def spa(path: str) -> FileResponse:
        if path == "api" or path.startswith("api/"):
            raise HTTPException(status_code=404, detail=f"no API route /{path}")
        candidate = (root / path).resolve()
        if path and candidate.is_relative_to(root) and candidate.is_file():
            return FileResponse(candidate)
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        raise HTTPException(status_code=404, detail="web UI not built")

    return router
