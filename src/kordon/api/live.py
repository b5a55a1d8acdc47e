"""``/api/live``: the WebSocket live feed.

One :class:`LiveHub` per app subscribes to the bus while at least one client is
connected, serialises each message once and offers it to every client whose sectors
include it. Each client has a bounded queue; a client that falls that far behind is
disconnected, so a slow browser can never hold up the server or the other clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, JsonValue
from starlette.requests import HTTPConnection

from kordon.accounts.errors import SessionInvalidError
from kordon.accounts.users import User
from kordon.api.context import ApiContext
from kordon.api.live_messages import (
    AlertPublic,
    HelloPublic,
    LiveMessagePublic,
    LiveTrackPublic,
    ScopedText,
)
from kordon.api.refusals import RefusedAttempts, Source
from kordon.api.schemas.aircraft import AircraftPublic
from kordon.api.schemas.drones import DronePublic
from kordon.api.schemas.events import EventPublic
from kordon.api.schemas.site import DeviceStatusPublic
from kordon.api.views import incident_public
from kordon.bus.channels import (
    AIRCRAFT,
    ALERTS,
    DEVICE_STATUS,
    DRONES,
    EVENTS,
    INCIDENTS,
    TRACKS,
)
from kordon.bus.protocol import Subscription, route
from kordon.domain.aircraft import AircraftState
from kordon.domain.drone import DroneState
from kordon.domain.errors import KordonError
from kordon.domain.event import Event
from kordon.domain.incident import Incident
from kordon.domain.live_track import LiveTrack
from kordon.domain.status import DeviceStatus
from kordon.incidents.alerts import IncidentAlert

logger = logging.getLogger(__name__)

PONG = json.dumps({"type": "pong"})
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


def _text(kind: str, model: BaseModel, sector_id: str | None) -> ScopedText:
    data: dict[str, JsonValue] = model.model_dump(mode="json")
    return ScopedText(
        sector_id, LiveMessagePublic.model_validate({"type": kind, "data": data}).model_dump_json()
    )


@dataclass(eq=False)
class LiveClient:
    user: User
    queue: asyncio.Queue[str]
    dropped: bool = False
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, text: str) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.dropped = True
            self.closed.set()


class LiveHub:
    """Fans bus messages out to WebSocket clients (all on the server's event loop)."""

    def __init__(self, context: ApiContext) -> None:
        self._context = context
        self._clients: set[LiveClient] = set()
        self._task: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def connect(self, user: User) -> LiveClient:
        client = LiveClient(user, asyncio.Queue(maxsize=self._context.settings.live_queue_size))
        self._clients.add(client)
        bus = self._context.bus
        if self._task is None and bus is not None:
            self.loop = asyncio.get_running_loop()
            self._subscription = bus.subscribe(
                route(TRACKS, self._on_track),
                route(EVENTS, self._on_event),
                route(INCIDENTS, self._on_incident),
                route(ALERTS, self._on_alert),
                route(DEVICE_STATUS, self._on_device),
                route(DRONES, self._on_drone),
                route(AIRCRAFT, self._on_aircraft),
            )
            self._task = asyncio.create_task(self._pump(self._subscription), name="live-hub")
        return client

    async def disconnect(self, client: LiveClient) -> None:
        self._clients.discard(client)
        if not self._clients and self._task is not None:
            task, self._task = self._task, None
            if self._subscription is not None and self._context.bus is not None:
                self._context.bus.unsubscribe(self._subscription)
            self._subscription = None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def catch_up(self, client: LiveClient, resume: tuple[str, int] | None) -> None:
        """Send ``hello`` (this run's alert epoch and last alert number) and, when the
        browser says which alert it saw last, every alert of its sectors raised since."""
        recent = self._context.recent_alerts
        if recent is None:
            return
        replayed = 0
        complete = resume is None
        if resume is not None:
            missed = recent.after(*resume)
            complete = missed is not None
            for seq, alert in missed or []:
                if client.user.in_scope(alert.sector_id):
                    public = AlertPublic.of(alert, seq=seq, epoch=recent.epoch, replayed=True)
                    client.offer(_text("alert", public, alert.sector_id).text)
                    replayed += 1
        hello = HelloPublic(
            epoch=recent.epoch,
            last_alert_seq=recent.last_seq,
            replayed=replayed,
            complete=complete,
        )
        client.offer(_text("hello", hello, None).text)

    def show_current(self, client: LiveClient) -> None:
        """Queue the tracks held now (``ApiContext.current_tracks``) of the client's sectors,
        as ``track`` messages: at most half its queue, the most recently updated, so a large
        picture never drops a browser as it connects."""
        current = self._context.current_tracks
        if current is None:
            return
        tracks = [t for t in current() if client.user.in_scope(t.sector_id)]
        room = client.queue.maxsize // 2
        if len(tracks) > room:
            logger.info("live feed: %d current tracks, %d sent on connect", len(tracks), room)
            tracks = sorted(tracks, key=lambda t: t.time, reverse=True)[:room]
        for track in tracks:
            client.offer(_text("track", LiveTrackPublic.of(track), track.sector_id).text)

    def broadcast(self, message: ScopedText) -> None:
        for client in list(self._clients):
            if client.user.in_scope(message.sector_id):
                client.offer(message.text)

    async def _pump(self, subscription: Subscription) -> None:
        while True:
            try:
                await subscription.deliver_next()
            except (KordonError, ValueError) as exc:
                logger.warning("live feed: cannot show a message: %s", exc)

    async def _on_track(self, track: LiveTrack) -> None:
        self.broadcast(_text("track", LiveTrackPublic.of(track), track.sector_id))

    async def _on_event(self, event: Event) -> None:
        self.broadcast(_text("event", EventPublic.of(event), event.sector_id))

    async def _on_incident(self, incident: Incident) -> None:
        # one trip off the loop (read and view together): the alert that follows waits
        # for it, since a browser is told of an incident before it is alerted to it
        public = await asyncio.to_thread(self._incident_view, incident.id)
        self.broadcast(_text("incident", public, incident.sector_id))

    def _incident_view(self, incident_id: str) -> BaseModel:
        return incident_public(self._context, self._context.incidents.get(incident_id))

    async def _on_alert(self, alert: IncidentAlert) -> None:
        recent = self._context.recent_alerts
        seq = recent.seq_of(alert) if recent is not None else None
        epoch = recent.epoch if recent is not None else None
        public = AlertPublic.of(alert, seq=seq, epoch=epoch)
        self.broadcast(_text("alert", public, alert.sector_id))

    async def _on_drone(self, state: DroneState) -> None:
        self.broadcast(_text("drone", DronePublic.of(state), None))

    async def _on_aircraft(self, state: AircraftState) -> None:
        self.broadcast(_text("aircraft", AircraftPublic.of(state), None))

    async def _on_device(self, status: DeviceStatus) -> None:
        sectors = {c.id: c.sector_id for c in self._context.cameras.cameras()}
        self.broadcast(
            _text("device", DeviceStatusPublic.of(status), sectors.get(status.device_id))
        )


def _resume_request(websocket: WebSocket) -> tuple[str, int] | None:
    """``(epoch, last seen alert number)`` from ``?epoch=…&after=…``; None if absent or bad."""
    epoch = websocket.query_params.get("epoch", "")
    after = websocket.query_params.get("after", "")
    if not (0 < len(epoch) <= 64 and epoch.isalnum() and after.isdigit() and len(after) <= 12):
        return None
    return epoch, int(after)


def origin_allowed(conn: HTTPConnection, allowed: frozenset[str]) -> bool:
    """Same origin as the request's ``Host`` (scheme-matched), or a configured origin."""
    origin = conn.headers.get("origin")
    if not origin:
        return False
    if origin in allowed:
        return True
    host = conn.headers.get("host")
    scheme = "https" if conn.url.scheme in ("wss", "https") else "http"
    return host is not None and origin == f"{scheme}://{host}"


def live_router(context: ApiContext, hub: LiveHub, refusals: RefusedAttempts) -> APIRouter:
    """The WebSocket route; refused upgrades are counted in ``refusals``."""
    router = APIRouter()
    settings = context.settings

    async def refuse(websocket: WebSocket, reason: str) -> None:
        address = websocket.client.host[:64] if websocket.client else "unknown"
        source = Source("live", "refused", address)
        await asyncio.to_thread(refusals.count, source, reason=reason, time=context.clock())
        await websocket.close(code=POLICY_VIOLATION)

    @router.websocket("/api/live")
    async def live(websocket: WebSocket) -> None:
        if not origin_allowed(websocket, settings.allowed_origins):
            origin = websocket.headers.get("origin", "")[:200]
            await refuse(websocket, f"origin {origin!r} not allowed" if origin else "no Origin")
            return
        token = websocket.cookies.get(settings.cookie_name, "")
        try:
            session = await asyncio.to_thread(
                context.accounts.resolve_session, token, time=context.clock()
            )
        except SessionInvalidError as exc:
            await refuse(websocket, str(exc))
            return
        await websocket.accept()
        # Connecting and catching up happen in one step on the loop: the current tracks and
        # the missed alerts are queued before any live message, so the browser sees them in
        # order (an update published meanwhile follows the one it replaces).
        client = hub.connect(session.user)
        hub.show_current(client)
        hub.catch_up(client, _resume_request(websocket))
        sender = asyncio.create_task(_send_loop(websocket, client, settings.live_send_timeout_s))
        receiver = asyncio.create_task(_receive_loop(websocket, client))
        dropped = asyncio.create_task(client.closed.wait())
        try:
            await asyncio.wait({sender, receiver, dropped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, receiver, dropped):
                task.cancel()
            await hub.disconnect(client)
            if client.dropped:
                # Close before awaiting the receiver: some transports only end a pending
                # receive when the peer answers the close.
                logger.info("live feed: dropped slow client %s", session.user.username)
                with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                    await websocket.close(code=TRY_AGAIN_LATER)
            for task in (sender, receiver, dropped):
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                    await task

    return router


async def _send_loop(websocket: WebSocket, client: LiveClient, timeout_s: float) -> None:
    while True:
        text = await client.queue.get()
        try:
            await asyncio.wait_for(websocket.send_text(text), timeout=timeout_s)
        except TimeoutError:
            client.dropped = True
            return


async def _receive_loop(websocket: WebSocket, client: LiveClient) -> None:
    while True:
        text = await websocket.receive_text()
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(message, dict) and message.get("type") == "ping":
            client.offer(PONG)
