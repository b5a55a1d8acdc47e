"""``BodySizeLimit``: one limit for every request, larger ones for named path prefixes."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from kordon.api.body_limit import BodySizeLimit


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/api/notes")
    async def notes(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.post("/api/register/documents")
    async def documents(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    app.add_middleware(BodySizeLimit, max_bytes=100, path_limits=(("/api/register/", 1_000),))
    return app


def test_the_default_limit_holds_outside_the_prefixes() -> None:
    client = TestClient(_app())
    assert client.post("/api/notes", content=b"x" * 100).json() == {"bytes": 100}
    refused = client.post("/api/notes", content=b"x" * 101)
    assert refused.status_code == 413
    assert "larger than 100 bytes" in refused.text


def test_a_prefix_gets_its_own_limit() -> None:
    client = TestClient(_app())
    assert client.post("/api/register/documents", content=b"x" * 1_000).json() == {"bytes": 1_000}
    refused = client.post("/api/register/documents", content=b"x" * 1_001)
    assert refused.status_code == 413
    assert "larger than 1000 bytes" in refused.text


def test_a_streamed_body_without_length_is_cut_at_the_limit() -> None:
    client = TestClient(_app())

    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * 50

    refused = client.post("/api/notes", content=chunks())
    assert refused.status_code == 413
