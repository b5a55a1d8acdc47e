"""The built web UI at ``/``, with single-page-app fallback to ``index.html``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

_BAD_SEGMENTS = frozenset({"..", "."})


def spa_router(directory: Path) -> APIRouter:
    """Serve files under ``directory``; unknown paths get ``index.html`` (client routing).

    Paths never leave ``directory``: a ``..`` or ``.`` segment, a backslash or a control
    character answers 400, and a path that resolves outside (an absolute path, a symbolic
    link out of the directory) answers 404, never the file. ``/api/…`` paths are never
    answered here.
    """
    root = directory.resolve()
    index = root / "index.html"
    router = APIRouter(include_in_schema=False)

    @router.get("/{path:path}")
    def spa(path: str) -> FileResponse:
        if path == "api" or path.startswith("api/"):
            raise HTTPException(status_code=404, detail=f"no API route /{path}")
        if (
            any(segment in _BAD_SEGMENTS for segment in path.split("/"))
            or "\\" in path
            or any(ord(c) < 0x20 or c == "\x7f" for c in path)
        ):
            raise HTTPException(status_code=400, detail="invalid path")
        candidate = (root / path).resolve()
        if not candidate.is_relative_to(root):
            raise HTTPException(status_code=404, detail="not found")
        if path and candidate.is_file():
            return FileResponse(candidate)
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        raise HTTPException(status_code=404, detail="web UI not built")

    return router
