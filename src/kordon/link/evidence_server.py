"""``EvidenceServer``: the edge's side of evidence pulled by the centre.

The centre asks (``open``, then ``range`` after ``range``, see :mod:`kordon.link.evidence_wire`);
:meth:`EvidenceServer.handle` (the MQTT network thread) only parses and queues a request, so
the network thread never reads or assembles a file. :meth:`EvidenceServer.pump` (the outbox
sender's thread, after its alarms) answers: a manifest for ``open``, the chunks of a range
for ``range`` — at most ``chunks_per_pump`` chunks a step and ``rate_bytes_per_s`` on
average (a token bucket on the injected clock), so evidence never crowds the alarms out of
the link. ``publish`` may refuse a message (the link is down, or the sender's bandwidth
budget is spent): a refused reply or request stays queued and a refused chunk is sent
again from the same offset at a later step, so nothing is skipped. The centre asks for one
range at a time per transfer (its window), and at most ``max_queued`` requests wait here
(more are answered ``busy``; a request of a transfer already waiting or being answered
replaces it): what is in flight is bounded at both ends. The
server keeps no state per transfer (every request names the item again), so an
edge restart loses nothing.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kordon.domain.errors import KordonError
from kordon.link.errors import CodecError
from kordon.link.evidence_wire import (
    MAX_CHUNK_BYTES,
    MAX_LISTED_CLIPS,
    VERSION,
    Chunk,
    EdgeError,
    ErrorReason,
    EvidenceKind,
    ListedClip,
    Listing,
    ListRequest,
    Manifest,
    OpenRequest,
    RangeRequest,
    Reply,
    Request,
    decode_request,
    encode_reply,
)
from kordon.link.topics import LinkTopics, check_edge_id

logger = logging.getLogger(__name__)

Publish = Callable[[str, bytes], bool]
"""Publish at QoS 1; ``False`` when not connected (nothing queued)."""


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    path: Path
    content_type: str
    name: str


class EvidenceSource(Protocol):
    """Finds the file of a clip or an export at the edge."""

    def locate(
        self, kind: EvidenceKind, item_id: str, incident_id: str | None
    ) -> EvidenceFile | None:
        """The item's file, made if needed; ``None`` when the edge has no such item or it is
        not ``incident_id``'s. May raise ``KordonError``/``OSError`` when it cannot be made."""
        ...

    def list_clips(self, incident_id: str) -> Sequence[ListedClip] | None:
        """The incident's clips (at most ``MAX_LISTED_CLIPS``); ``None`` for an incident this
        edge does not know."""
        ...


@dataclass(frozen=True, slots=True)
class ServerSettings:
    edge_id: str
    chunk_bytes: int = 128 * 1024
    chunks_per_pump: int = 4
    rate_bytes_per_s: float = 2_000_000.0
    max_queued: int = 8

    def __post_init__(self) -> None:
        check_edge_id(self.edge_id)
        if not 1 <= self.chunk_bytes <= MAX_CHUNK_BYTES:
            raise ValueError(f"chunk_bytes must be 1..{MAX_CHUNK_BYTES}")
        if self.chunks_per_pump < 1 or self.max_queued < 1 or self.rate_bytes_per_s <= 0:
            raise ValueError("chunks_per_pump, max_queued and rate_bytes_per_s must be > 0")


@dataclass(frozen=True, slots=True)
class ServerCounts:
    requests: int
    refused: int
    manifests: int
    chunks: int
    chunk_bytes: int
    errors: int
    superseded: int
    """Requests dropped because the same transfer asked again."""


@dataclass(slots=True)
class _Sending:
    """A range being answered: the next offset to send and where it ends."""

    request: RangeRequest
    path: Path
    next_offset: int
    end: int
    cancelled: bool = False
    """Superseded by a newer request of the same transfer."""


class EvidenceServer:
    """Answers one edge's evidence requests; ``clock`` is monotonic seconds."""

    def __init__(
        self,
        source: EvidenceSource,
        settings: ServerSettings,
        *,
        clock: Callable[[], float],
        topics: LinkTopics | None = None,
    ) -> None:
        self._source = source
        self._settings = settings
        self._clock = clock
        topics = topics or LinkTopics()
        self.request_topic = topics.evidence_req(settings.edge_id)
        self._reply_topic = topics.evidence(settings.edge_id)
        self._lock = threading.Lock()
        self._queue: deque[Request] = deque()
        self._replies: deque[Reply] = deque()
        self._sending: _Sending | None = None
        self._tokens = float(settings.chunk_bytes * settings.chunks_per_pump)
        self._refilled_at: float | None = None
        self._hashes: dict[tuple[Path, int, int], str] = {}
        self._requests = self._refused = self._manifests = 0
        self._chunks = self._chunk_bytes = self._errors = 0
        self._superseded = 0

    def counts(self) -> ServerCounts:
        with self._lock:
            return ServerCounts(
                self._requests,
                self._refused,
                self._manifests,
                self._chunks,
                self._chunk_bytes,
                self._errors,
                self._superseded,
            )

    def pending(self) -> bool:
        """Whether a step has something to send."""
        with self._lock:
            return bool(self._queue or self._replies or self._sending)

    def handle(self, payload: bytes) -> None:
        """Parse and queue one request (network thread): no file is touched here."""
        try:
            request = decode_request(payload)
        except CodecError as exc:
            logger.warning("evidence %s: request refused: %s", self._settings.edge_id, exc)
            with self._lock:
                self._refused += 1
            return
        with self._lock:
            self._requests += 1
            # A request of a transfer already waiting or being answered supersedes it (the
            # centre asked again, from its own offset): requests it repeated while this
            # edge was away then cost one answer, not one each.
            stale = [r for r in self._queue if r.transfer_id == request.transfer_id]
            for old in stale:
                self._queue.remove(old)
            sending = self._sending
            if sending is not None and sending.request.transfer_id == request.transfer_id:
                sending.cancelled = True
                stale.append(sending.request)
            self._superseded += len(stale)
            if len(self._queue) >= self._settings.max_queued:
                self._replies.append(
                    self._error(request.transfer_id, ErrorReason.BUSY, "too many requests")
                )
                return
            self._queue.append(request)

    def pump(self, publish: Publish) -> int:
        """Send what the budget allows (replies, then chunks); returns messages published."""
        self._refill()
        sent = 0
        while True:
            with self._lock:
                reply = self._replies.popleft() if self._replies else None
            if reply is None:
                break
            if not publish(self._reply_topic, encode_reply(reply)):
                with self._lock:
                    self._replies.appendleft(reply)
                return sent
            sent += 1
        chunks = 0
        while chunks < self._settings.chunks_per_pump:
            if self._sending is None and not self._next_range(publish):
                break
            sending = self._sending
            if sending is None:
                sent += 1  # the request was answered without chunks; take the next one
                continue
            if sending.cancelled:
                self._sending = None
                continue
            length = min(self._settings.chunk_bytes, sending.end - sending.next_offset)
            if self._tokens < length:
                break
            try:
                data = _read(sending.path, sending.next_offset, length)
            except OSError as exc:
                self._sending = None
                error = self._error(sending.request.transfer_id, ErrorReason.FAILED, str(exc))
                if not self._send(publish, error):
                    with self._lock:
                        self._replies.append(error)  # the next step sends it
                    break
                sent += 1
                continue
            chunk = Chunk(sending.request.transfer_id, sending.next_offset, data)
            if not publish(self._reply_topic, encode_reply(chunk)):
                break
            self._tokens -= length
            sending.next_offset += length
            if sending.next_offset >= sending.end:
                self._sending = None
            with self._lock:
                self._chunks += 1
                self._chunk_bytes += length
            chunks += 1
        return sent + chunks

    def _refill(self) -> None:
        now = self._clock()
        burst = float(self._settings.chunk_bytes * self._settings.chunks_per_pump)
        if self._refilled_at is not None:
            gained = (now - self._refilled_at) * self._settings.rate_bytes_per_s
            self._tokens = min(burst, self._tokens + max(gained, 0.0))
        self._refilled_at = now

    def _next_range(self, publish: Publish) -> bool:
        """Take the next request: answer an ``open`` (or a refusal) at once, start a range.
        ``False`` when nothing is queued or the link is down."""
        with self._lock:
            request = self._queue.popleft() if self._queue else None
        if request is None:
            return False
        answer = self._answer(request)
        if isinstance(answer, _Sending):
            self._sending = answer
            return True
        if not self._send(publish, answer):
            with self._lock:
                self._queue.appendleft(request)
            return False
        return True

    def _answer(self, request: Request) -> Reply | _Sending:
        tid = request.transfer_id
        if isinstance(request, ListRequest):
            return self._listing(request)
        try:
            found = self._source.locate(request.kind, request.item_id, request.incident_id)
            if found is None:
                what = f"{request.kind} {request.item_id!r}"
                if request.incident_id is not None:
                    what += f" of incident {request.incident_id!r}"
                return self._error(tid, ErrorReason.NOT_FOUND, f"no {what} at this outpost")
            size = found.path.stat().st_size
            sha256 = self._sha256(found.path)
        except (KordonError, OSError) as exc:
            logger.warning(
                "evidence %s: %s %s: %s", self._settings.edge_id, request.kind, request.item_id, exc
            )
            return self._error(tid, ErrorReason.FAILED, str(exc)[:500])
        if isinstance(request, OpenRequest):
            return Manifest(
                v=VERSION,
                type="manifest",
                transfer_id=tid,
                size=size,
                sha256=sha256,
                content_type=found.content_type,
                name=found.name,
            )
        if request.sha256 != sha256:
            return self._error(tid, ErrorReason.CHANGED, "the file is not the one announced")
        end = request.offset + request.length
        if end > size:
            return self._error(
                tid, ErrorReason.BAD_REQUEST, f"range {request.offset}..{end} is past {size}"
            )
        return _Sending(request, found.path, request.offset, end)

    def _listing(self, request: ListRequest) -> Reply:
        try:
            clips = self._source.list_clips(request.incident_id)
        except (KordonError, OSError) as exc:
            logger.warning(
                "evidence %s: listing %s: %s", self._settings.edge_id, request.incident_id, exc
            )
            return self._error(request.transfer_id, ErrorReason.FAILED, str(exc))
        if clips is None:
            detail = f"no incident {request.incident_id!r} at this outpost"
            return self._error(request.transfer_id, ErrorReason.NOT_FOUND, detail)
        return Listing(
            v=VERSION,
            type="listing",
            transfer_id=request.transfer_id,
            incident_id=request.incident_id,
            clips=tuple(clips)[:MAX_LISTED_CLIPS],
        )

    def _sha256(self, path: Path) -> str:
        stat = path.stat()
        key = (path, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._hashes.get(key)
        if known is not None:
            return known
        digest = hashlib.sha256()
        with path.open("rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
        value = digest.hexdigest()
        with self._lock:
            if len(self._hashes) > 256:
                self._hashes.clear()
            self._hashes[key] = value
        return value

    def _error(self, transfer_id: str, reason: ErrorReason, detail: str) -> EdgeError:
        return EdgeError(
            v=VERSION, type="error", transfer_id=transfer_id, reason=reason, detail=detail[:500]
        )

    def _send(self, publish: Publish, reply: Reply) -> bool:
        if not publish(self._reply_topic, encode_reply(reply)):
            return False
        with self._lock:
            if isinstance(reply, Manifest):
                self._manifests += 1
            elif isinstance(reply, EdgeError):
                self._errors += 1
        return True


def _read(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as file:
        file.seek(offset)
        data = file.read(length)
    if len(data) != length:
        raise OSError(f"{path.name}: {len(data)} bytes at {offset}, expected {length}")
    return data
