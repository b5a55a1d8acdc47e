"""``EvidencePuller``: the centre pulls a clip or an export from an edge, in chunks, with resume.

:meth:`EvidencePuller.request` starts a transfer (or joins the one under way, or answers
with the file already received): a row in ``link_evidence_transfers`` and an ``open``
request to the edge. The edge's manifest (size, sha256, content type, name) is recorded;
then the centre asks for one window of bytes at a time (``window_bytes``, so at most that
much is in flight) from the last contiguous offset. Each chunk that continues the file is
written to ``<data_dir>/evidence/partial/<transfer>.part`` and synced **before** the
progress row moves, so after a link cut or a restart the centre asks for the rest from
the recorded offset (the partial file is first cut back to it), never from zero.

Once the last byte is in, the whole file's sha256 is compared with the manifest's: a
match moves the file to ``<data_dir>/evidence/<kind>/<sha256><suffix>`` and records it in
``link_evidence_files`` (edge, kind, item, incident, sha256, size, path, time) in the
transaction that closes the transfer; a mismatch discards the file, logs it, and asks
again from the manifest (at most ``max_attempts`` times, then the transfer fails).

Refused with a log line and a count by reason, nothing written: a reply from an edge not
allowed here or on a topic that is not an evidence topic (``unknown_edge``), a malformed
or oversize message (``malformed``), an unknown transfer id (``unknown_transfer``), a
transfer of another edge (``wrong_edge``), a chunk already held (``duplicate``), one past
the contiguous offset (``out_of_order``: the window is asked again), one past the
announced size (``out_of_range``), a chunk or manifest for a transfer not expecting it
(``unexpected``). An edge's ``not_found`` (or another refusal) fails the transfer.
Every request, completion and failure goes to the centre's audit log.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import JsonValue

from kordon.api.providers import AuditSink
from kordon.central.evidence_files import EvidenceFiles
from kordon.central.evidence_listing import ClipListings
from kordon.central.evidence_transfers import (
    ACTIVE,
    ReceivedFile,
    Transfer,
    TransferRepository,
    TransferState,
)
from kordon.link.errors import CodecError, LinkError
from kordon.link.evidence_wire import (
    MAX_FILE_BYTES,
    MAX_RANGE_BYTES,
    VERSION,
    Chunk,
    EdgeError,
    ErrorReason,
    EvidenceKind,
    Listing,
    Manifest,
    OpenRequest,
    RangeRequest,
    decode_reply,
    encode_request,
)
from kordon.link.topics import LinkTopics

logger = logging.getLogger(__name__)

Publish = Callable[[str, bytes], bool]
SYSTEM = "system"


class PullRefusedError(LinkError, ValueError):
    """A pull cannot be asked for: an edge not of this centre, or an id the link refuses."""


_ITEM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


@dataclass(frozen=True, slots=True)
class PullSettings:
    window_bytes: int = 1024 * 1024
    """The most asked for at once per transfer (what may be in flight)."""
    retry_s: float = 15.0
    """No progress for this long: ask again from the last contiguous offset (then twice as
    long, up to ``max_retry_s``, while nothing comes: an edge away does not find a pile of
    repeated requests when it returns)."""
    max_retry_s: float = 600.0
    max_attempts: int = 3
    """Hash mismatches (or files changed at the edge) before a transfer fails."""
    max_file_bytes: int = 4 * 1024**3

    def __post_init__(self) -> None:
        if not 1 <= self.window_bytes <= MAX_RANGE_BYTES:
            raise ValueError(f"window_bytes must be 1..{MAX_RANGE_BYTES}")
        if not 0 < self.retry_s <= self.max_retry_s or self.max_attempts < 1:
            raise ValueError("need 0 < retry_s <= max_retry_s and max_attempts >= 1")
        if not 0 <= self.max_file_bytes <= MAX_FILE_BYTES:
            raise ValueError(f"max_file_bytes must be 0..{MAX_FILE_BYTES}")


@dataclass(frozen=True, slots=True)
class PullStatus:
    """Where a pull stands: ``file`` once received and verified, else its ``transfer``."""

    transfer: Transfer | None
    file: ReceivedFile | None = None
    path: Path | None = None
    """The received file (absolute), when ``file`` is set."""


class EvidencePuller:
    """The centre's side of evidence pulls; ``clock`` is monotonic seconds, ``now`` UTC."""

    def __init__(
        self,
        transfers: TransferRepository,
        data_dir: Path,
        *,
        publish: Publish,
        allowed_edge: Callable[[str], bool],
        clock: Callable[[], float],
        now: Callable[[], datetime],
        topics: LinkTopics | None = None,
        audit: AuditSink | None = None,
        settings: PullSettings | None = None,
    ) -> None:
        self._repo = transfers
        self._files = EvidenceFiles(data_dir)
        self._publish = publish
        self._allowed = allowed_edge
        self._clock = clock
        self._now = now
        self._topics = topics or LinkTopics()
        self._audit = audit
        self._settings = settings or PullSettings()
        self._lock = threading.RLock()
        self._asked_at: dict[str, float] = {}
        """Per active transfer: when it last asked or progressed (monotonic)."""
        self._window_end: dict[str, int] = {}
        self._retries: dict[str, int] = {}
        """Per active transfer: requests repeated since its last progress."""
        self.refused: Counter[str] = Counter()
        self.listings = ClipListings(publish=publish, topics=self._topics, clock=clock)
        """The outposts' clips of an incident (``kordon.central.evidence_listing``)."""
        self.requests_sent = 0

    # -- requests -------------------------------------------------------------------------

    def request(
        self,
        edge_id: str,
        kind: EvidenceKind,
        item_id: str,
        *,
        incident_id: str | None,
        actor: str,
    ) -> PullStatus:
        """The file if received, else the transfer under way (joined) or a new one."""
        if not self._allowed(edge_id):
            raise PullRefusedError(f"edge {edge_id!r} is not an edge of this centre")
        for what, value in (("item", item_id), ("incident", incident_id)):
            if value is not None and not _ITEM_ID.fullmatch(value):
                raise PullRefusedError(
                    f"{what} id {value[:200]!r}: 1-128 letters, digits, '.', '_', ':' or '-'"
                )
        with self._lock:
            status = self.status(edge_id, kind, item_id)
            if status.file is not None:
                return status
            active = self._repo.active_for(edge_id, kind, item_id)
            if active is not None:
                return PullStatus(active)
            time = self._now()
            transfer = Transfer(
                transfer_id=uuid.uuid4().hex,
                edge_id=edge_id,
                kind=kind,
                item_id=item_id,
                incident_id=incident_id,
                state=TransferState.OPENING,
                size=None,
                sha256=None,
                content_type=None,
                name=None,
                received=0,
                attempts=0,
                error=None,
                requested_by=actor,
                created_at=time,
                updated_at=time,
            )
            self._repo.create(transfer)
            self._record(transfer, "requested", {})
            self._ask_open(transfer)
            return PullStatus(transfer)

    def status(self, edge_id: str, kind: EvidenceKind, item_id: str) -> PullStatus:
        """The received file, else the latest transfer of the item (``None`` if never asked)."""
        found = self._repo.file(edge_id, kind, item_id)
        if found is not None:
            path = self._files.absolute(found.path)
            if path.is_file():
                return PullStatus(self._repo.get(found.transfer_id), found, path)
            logger.error("evidence %s %s of %s: file %s is missing", kind, item_id, edge_id, path)
        return PullStatus(self._repo.latest_for(edge_id, kind, item_id))

    def resume(self) -> int:
        """Ask again for every transfer under way (at start, at each connection): the
        manifest, or the rest from the recorded offset. Returns how many were asked."""
        with self._lock:
            asked = 0
            for transfer in self._repo.active():
                self._ask_again(transfer)
                asked += 1
            return asked

    def pump(self) -> int:
        """Ask again for transfers without progress for ``retry_s``; returns how many."""
        now = self._clock()
        with self._lock:
            asked = 0
            for transfer in self._repo.active():
                tid = transfer.transfer_id
                last = self._asked_at.get(tid)
                retries = self._retries.get(tid, 0)
                wait_s = min(self._settings.retry_s * 2**retries, self._settings.max_retry_s)
                if last is None or now - last >= wait_s:
                    self._retries[tid] = retries + 1
                    self._ask_again(transfer)
                    asked += 1
            return asked

    def _ask_again(self, transfer: Transfer) -> None:
        if transfer.state is TransferState.OPENING:
            self._ask_open(transfer)
            return
        held = self._files.cut_back(transfer.transfer_id, transfer.received)
        if held < transfer.received:
            self._restart(transfer, f"partial file holds {held} of {transfer.received} bytes")
            return
        self._ask_range(transfer, transfer.received)

    def _ask_open(self, transfer: Transfer) -> None:
        request = OpenRequest(
            v=VERSION,
            type="open",
            transfer_id=transfer.transfer_id,
            kind=transfer.kind,
            item_id=transfer.item_id,
            incident_id=transfer.incident_id,
        )
        self._send(transfer, encode_request(request))

    def _ask_range(self, transfer: Transfer, offset: int) -> None:
        assert transfer.size is not None  # fetching
        assert transfer.sha256 is not None
        end = min(offset + self._settings.window_bytes, transfer.size)
        self._window_end[transfer.transfer_id] = end
        request = RangeRequest(
            v=VERSION,
            type="range",
            transfer_id=transfer.transfer_id,
            kind=transfer.kind,
            item_id=transfer.item_id,
            incident_id=transfer.incident_id,
            sha256=transfer.sha256,
            offset=offset,
            length=end - offset,
        )
        self._send(transfer, encode_request(request))

    def _send(self, transfer: Transfer, payload: bytes) -> None:
        self._asked_at[transfer.transfer_id] = self._clock()
        if self._publish(self._topics.evidence_req(transfer.edge_id), payload):
            self.requests_sent += 1  # else pump() asks again after retry_s, resume() on connect

    # -- replies (network thread) ---------------------------------------------------------

    def handle(self, topic: str, payload: bytes) -> None:
        edge_id = self._topics.edge_of_evidence(topic)
        if edge_id is None or not self._allowed(edge_id):
            self._refuse("unknown_edge", f"topic {topic[:200]!r}")
            return
        try:
            reply = decode_reply(payload)
        except CodecError as exc:
            self._refuse("malformed", f"from {edge_id}: {exc}")
            return
        if isinstance(reply, Listing) or (
            isinstance(reply, EdgeError) and self.listings.asked(reply.transfer_id)
        ):
            refused = self.listings.take(edge_id, reply)
            if refused is not None:
                self._refuse(refused, f"listing {reply.transfer_id} from {edge_id}")
            return
        with self._lock:
            transfer = self._repo.get(reply.transfer_id)
            if transfer is None:
                self._refuse("unknown_transfer", f"{reply.transfer_id} from {edge_id}")
                return
            if transfer.edge_id != edge_id:
                self._refuse("wrong_edge", f"{edge_id} answered {transfer.edge_id}'s transfer")
                return
            if isinstance(reply, Manifest):
                self._on_manifest(transfer, reply)
            elif isinstance(reply, Chunk):
                self._on_chunk(transfer, reply)
            else:
                self._on_error(transfer, reply)

    def _on_manifest(self, transfer: Transfer, manifest: Manifest) -> None:
        if transfer.state is TransferState.FETCHING and transfer.sha256 == manifest.sha256:
            self._refuse("duplicate", f"manifest of {transfer.transfer_id} again")
            return
        if transfer.state not in ACTIVE:
            self._refuse("unexpected", f"manifest of {transfer.state} {transfer.transfer_id}")
            return
        if transfer.state is TransferState.FETCHING:  # the edge's file changed meanwhile
            self._restart(transfer, "the edge announced another file")
            return
        if manifest.size > self._settings.max_file_bytes:
            self._fail(transfer, f"{manifest.size} bytes, over {self._settings.max_file_bytes}")
            return
        self._files.start(transfer.transfer_id)
        self._repo.set_manifest(transfer.transfer_id, manifest, time=self._now())
        self._retries.pop(transfer.transfer_id, None)
        fetching = self._repo.get(transfer.transfer_id)
        assert fetching is not None
        if fetching.size == 0:
            self._finish(fetching)
        else:
            self._ask_range(fetching, 0)

    def _on_chunk(self, transfer: Transfer, chunk: Chunk) -> None:
        tid = transfer.transfer_id
        if transfer.state is not TransferState.FETCHING or transfer.size is None:
            self._refuse("unexpected", f"chunk at {chunk.offset} of {transfer.state} {tid}")
            return
        if chunk.end > transfer.size:
            self._refuse(
                "out_of_range", f"{tid}: chunk {chunk.offset}..{chunk.end} > {transfer.size}"
            )
            return
        if chunk.offset < transfer.received:
            self._refuse("duplicate", f"{tid}: chunk at {chunk.offset} < {transfer.received}")
            return
        if chunk.offset > transfer.received:
            self._refuse("out_of_order", f"{tid}: chunk at {chunk.offset} > {transfer.received}")
            return
        try:
            self._files.write_at(tid, transfer.received, chunk.data)
        except OSError as exc:
            self._restart(transfer, f"writing the partial file failed: {exc}")
            return
        self._repo.advance(
            tid, received_from=transfer.received, received=chunk.end, time=self._now()
        )
        self._asked_at[tid] = self._clock()
        self._retries.pop(tid, None)
        advanced = self._repo.get(tid)
        assert advanced is not None
        if chunk.end == transfer.size:
            self._finish(advanced)
        elif tid in self._window_end and chunk.end >= self._window_end[tid]:
            # (after a restart, before resume() asked, chunks still queued for us arrive
            # with no window known: resume() asks for the rest once)
            self._ask_range(advanced, chunk.end)

    def _on_error(self, transfer: Transfer, error: EdgeError) -> None:
        if transfer.state not in ACTIVE:
            self._refuse("unexpected", f"error for {transfer.state} {transfer.transfer_id}")
            return
        detail = f"edge {transfer.edge_id}: {error.reason}: {error.detail}"
        if error.reason is ErrorReason.BUSY:
            logger.info("evidence %s: %s; asking again later", transfer.transfer_id, detail)
            self._asked_at[transfer.transfer_id] = self._clock()
        elif error.reason is ErrorReason.CHANGED:
            self._restart(transfer, detail)
        else:
            self._fail(transfer, detail)

    # -- completion -------------------------------------------------------------------------

    def _finish(self, transfer: Transfer) -> None:
        assert transfer.sha256 is not None
        assert transfer.size is not None
        assert transfer.content_type is not None
        assert transfer.name is not None
        actual = self._files.sha256(transfer.transfer_id)
        if actual != transfer.sha256:
            logger.error(
                "evidence %s %s from %s: sha256 %s does not match the manifest's %s; "
                "file discarded, asking again",
                transfer.kind,
                transfer.item_id,
                transfer.edge_id,
                actual,
                transfer.sha256,
            )
            self._record(transfer, "hash_mismatch", {"sha256": actual})
            self._files.discard(transfer.transfer_id)
            self._restart(transfer, f"sha256 {actual} is not the manifest's {transfer.sha256}")
            return
        relative = self._files.keep(
            transfer.transfer_id, transfer.kind, transfer.sha256, transfer.name
        )
        received = ReceivedFile(
            edge_id=transfer.edge_id,
            kind=transfer.kind,
            item_id=transfer.item_id,
            incident_id=transfer.incident_id,
            sha256=transfer.sha256,
            size=transfer.size,
            content_type=transfer.content_type,
            name=transfer.name,
            path=relative,
            transfer_id=transfer.transfer_id,
            fetched_at=self._now(),
        )
        self._repo.complete(transfer.transfer_id, received)
        self._forget(transfer.transfer_id)
        self._record(transfer, "done", {"sha256": transfer.sha256, "size": transfer.size})
        logger.info(
            "evidence %s %s from %s received: %d bytes, sha256 verified",
            transfer.kind,
            transfer.item_id,
            transfer.edge_id,
            transfer.size,
        )

    def _restart(self, transfer: Transfer, why: str) -> None:
        attempts = transfer.attempts + 1
        self._files.discard(transfer.transfer_id)
        if attempts >= self._settings.max_attempts:
            self._fail(transfer, f"{why} (attempt {attempts} of {self._settings.max_attempts})")
            return
        logger.warning("evidence %s: %s; starting again", transfer.transfer_id, why)
        self._repo.restart(transfer.transfer_id, attempts=attempts, error=why, time=self._now())
        again = self._repo.get(transfer.transfer_id)
        assert again is not None
        self._ask_open(again)

    def _fail(self, transfer: Transfer, why: str) -> None:
        logger.error(
            "evidence %s %s from %s failed: %s",
            transfer.kind,
            transfer.item_id,
            transfer.edge_id,
            why,
        )
        self._files.discard(transfer.transfer_id)
        self._repo.fail(transfer.transfer_id, error=why, time=self._now())
        self._forget(transfer.transfer_id)
        self._record(transfer, "failed", {"error": why})

    # -- helpers --------------------------------------------------------------------------

    def _forget(self, transfer_id: str) -> None:
        self._asked_at.pop(transfer_id, None)
        self._window_end.pop(transfer_id, None)
        self._retries.pop(transfer_id, None)

    def _refuse(self, reason: str, detail: str) -> None:
        logger.warning("evidence reply refused (%s): %s", reason, detail)
        with self._lock:
            self.refused[reason] += 1

    def _record(self, transfer: Transfer, outcome: str, extra: dict[str, JsonValue]) -> None:
        if self._audit is None:
            return
        details: dict[str, JsonValue] = {
            "edge_id": transfer.edge_id,
            "incident_id": transfer.incident_id,
            "transfer_id": transfer.transfer_id,
            **extra,
        }
        self._audit.record(
            transfer.requested_by,
            "evidence.pull",
            f"{transfer.kind}:{transfer.item_id}",
            outcome,
            details,
            self._now(),
        )
