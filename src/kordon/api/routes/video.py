"""Live video and playback by time: ``/api/cameras/{id}/live``, ``/recordings``, ``/playback.mp4``.

The live route is a WebSocket carrying fragmented MP4 (binary messages) for Media Source
Extensions and JSON texts (the stream's codec and overlay shapes, the tracks of each
analysed frame; ``kordon.video.live.messages``). Every video access is audited: a live view
when it starts and when it ends (with its duration), each playback request with its range.
Privacy masks are burned into the live stream of a camera that has them; playback serves
the recording as stored (stream copy, the same bytes an export holds).
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, HTTPException, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse
from pydantic import Field, JsonValue
from starlette.background import BackgroundTask
from starlette.websockets import WebSocketState

from kordon.accounts.errors import SessionInvalidError
from kordon.api.deps import AuditorDep, Guard, audited_request, count_refusal, get_context
from kordon.api.live import POLICY_VIOLATION, origin_allowed
from kordon.api.refusals import Source
from kordon.api.responses import responses
from kordon.api.schemas.base import PublicModel
from kordon.domain.errors import KordonError
from kordon.record.clips import TamperedSegmentError
from kordon.record.errors import InvalidRecordingInputError
from kordon.record.playback import PlaybackFile, RecordedSpan

logger = logging.getLogger(__name__)

MAX_LISTING_DAYS = 7
SEND_TIMEOUT_S = 10.0


class LiveQueue(Protocol):
    async def get(self) -> bytes | str: ...


class LiveFeedViewer(Protocol):
    @property
    def queue(self) -> LiveQueue: ...

    def close(self) -> None: ...


class LiveFeed(Protocol):
    @property
    def masked(self) -> bool: ...

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> LiveFeedViewer: ...


class LiveVideo(Protocol):
    """What these routes need (``kordon.video.live.LiveVideoService``)."""

    def stream(self, camera_id: str) -> LiveFeed | None: ...

    def records(self, camera_id: str) -> bool: ...

    def spans(self, camera_id: str, start: datetime, end: datetime) -> Sequence[RecordedSpan]: ...

    def playback(self, camera_id: str, start: datetime, end: datetime) -> PlaybackFile: ...

    @property
    def max_playback_s(self) -> float: ...


class RecordedSpanPublic(PublicModel):
    start: datetime
    end: datetime
    segments: int


class RecordingsPublic(PublicModel):
    camera_id: str
    start: datetime
    end: datetime
    spans: list[RecordedSpanPublic] = Field(description="Continuous footage, oldest first")
    max_playback_s: float = Field(description="Longest range one playback request may ask")


def _range(start: datetime, end: datetime, *, max_s: float) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise HTTPException(status_code=400, detail="start and end need a time zone (use Z)")
    if end <= start:
        raise HTTPException(status_code=400, detail="end must be after start")
    if (end - start).total_seconds() > max_s:
        raise HTTPException(
            status_code=400, detail=f"the range is longer than the {max_s:.0f} s allowed"
        )


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def router(video: LiveVideo) -> APIRouter:
    """The routes, bound to ``video``; include it with ``create_api(extra_routers=...)``."""
    r = APIRouter(tags=["video"])
    audited = [Depends(audited_request)]

    @r.get(
        "/api/cameras/{camera_id}/recordings",
        response_model=RecordingsPublic,
        dependencies=audited,
        summary="Recorded footage of a camera in a time range (for the playback timeline)",
        responses=responses(401, 404, 503),
    )
    def recordings(
        camera_id: str,
        guard: Guard,
        start: Annotated[datetime, Query(description="ISO-8601 with a zone")],
        end: Annotated[datetime, Query(description="ISO-8601 with a zone")],
    ) -> RecordingsPublic:
        guard.camera(camera_id)
        _range(start, end, max_s=MAX_LISTING_DAYS * 86_400.0)
        if not video.records(camera_id):
            raise HTTPException(status_code=404, detail=f"camera {camera_id!r} is not recorded")
        spans = video.spans(camera_id, start, end)
        return RecordingsPublic(
            camera_id=camera_id,
            start=start,
            end=end,
            spans=[
                RecordedSpanPublic(start=s.start, end=s.end, segments=s.segments) for s in spans
            ],
            max_playback_s=video.max_playback_s,
        )

    @r.get(
        "/api/cameras/{camera_id}/playback.mp4",
        response_class=FileResponse,
        dependencies=audited,
        responses={
            200: {"content": {"video/mp4": {}}, "description": "MP4 (stream copy)"},
            206: {"description": "partial content (Range)"},
            **responses(401, 404, 409, 416, 503),
        },
        summary="Recorded footage of [start, end) as one MP4; X-Playback-Start is its first frame",
    )
    def playback(
        camera_id: str,
        guard: Guard,
        auditor: AuditorDep,
        start: Annotated[datetime, Query(description="ISO-8601 with a zone")],
        end: Annotated[datetime, Query(description="ISO-8601 with a zone")],
    ) -> FileResponse:
        guard.camera(camera_id)
        _range(start, end, max_s=video.max_playback_s or 1.0)
        if not video.records(camera_id):
            raise HTTPException(status_code=404, detail=f"camera {camera_id!r} is not recorded")
        details: dict[str, JsonValue] = {"start": start.isoformat(), "end": end.isoformat()}
        subject = f"camera:{camera_id}"
        try:
            made = video.playback(camera_id, start, end)
        except TamperedSegmentError as exc:
            auditor.record("view_playback", subject, "refused 409", {**details, "error": str(exc)})
            raise HTTPException(status_code=409, detail=str(exc)) from exc
        except InvalidRecordingInputError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
        except KordonError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        auditor.record("view_playback", subject, "ok", {**details, "masked": made.masked})
        return FileResponse(
            made.path,
            media_type="video/mp4",
            headers={
                "X-Playback-Start": made.start.isoformat(),
                "X-Playback-End": made.end.isoformat(),
                "Cache-Control": "private, max-age=60" if not made.temporary else "no-store",
                "X-Privacy-Masked": "true" if made.masked else "false",
            },
            background=BackgroundTask(_unlink, made.path) if made.temporary else None,
        )

    @r.websocket("/api/cameras/{camera_id}/live")
    async def live(websocket: WebSocket, camera_id: str) -> None:
        await _serve_live(websocket, camera_id, video)

    return r


async def _refuse(websocket: WebSocket, reason: str) -> None:
    address = websocket.client.host[:64] if websocket.client else "unknown"
    await asyncio.to_thread(
        count_refusal, websocket, Source("live_video", "refused", address), reason=reason
    )
    await websocket.close(code=POLICY_VIOLATION)


async def _serve_live(websocket: WebSocket, camera_id: str, video: LiveVideo) -> None:
    context = get_context(websocket)
    settings = context.settings
    if not origin_allowed(websocket, settings.allowed_origins):
        origin = websocket.headers.get("origin", "")[:200]
        await _refuse(websocket, f"origin {origin!r} not allowed" if origin else "no Origin")
        return
    token = websocket.cookies.get(settings.cookie_name, "")
    try:
        session = await asyncio.to_thread(
            context.accounts.resolve_session, token, time=context.clock()
        )
    except SessionInvalidError as exc:
        await _refuse(websocket, str(exc))
        return
    user = session.user
    address = websocket.client.host[:64] if websocket.client else "unknown"
    subject = f"camera:{camera_id}"

    def audit(action: str, outcome: str, details: dict[str, JsonValue]) -> None:
        context.audit.record(
            user.username,
            action,
            subject,
            outcome,
            {"address": address, **details},
            context.clock(),
        )

    camera = next((c for c in context.cameras.cameras() if c.id == camera_id), None)
    stream = video.stream(camera_id)
    if camera is None or not user.in_scope(camera.sector_id) or stream is None:
        reason = "out of scope" if camera is not None and stream is not None else "unknown"
        await asyncio.to_thread(audit, "view_live", "refused", {"reason": reason})
        await websocket.close(code=POLICY_VIOLATION, reason=f"no live video of {camera_id!r}")
        return
    await websocket.accept()
    started = context.clock()
    await asyncio.to_thread(audit, "view_live", "started", {"masked": float(stream.masked)})
    viewer = stream.subscribe(asyncio.get_running_loop())
    sender = asyncio.create_task(_send_loop(websocket, viewer))
    receiver = asyncio.create_task(_drain(websocket))
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        viewer.close()
        for task in (sender, receiver):
            task.cancel()
        # before any await: a cancelled handler still records the end of the view
        seconds = (context.clock() - started) / timedelta(seconds=1)
        audit("view_live", "ended", {"duration_s": round(seconds, 1)})
        for task in (sender, receiver):
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close()


async def _send_loop(websocket: WebSocket, viewer: LiveFeedViewer) -> None:
    while True:
        item = await viewer.queue.get()
        if isinstance(item, bytes):
            await asyncio.wait_for(websocket.send_bytes(item), timeout=SEND_TIMEOUT_S)
        else:
            await asyncio.wait_for(websocket.send_text(item), timeout=SEND_TIMEOUT_S)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the browser sends, so a close is noticed at once."""
    while True:
        message = await websocket.receive()
        if message.get("type") == "websocket.disconnect":
            return
