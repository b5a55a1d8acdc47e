"""What travels when the centre pulls a clip or an export from an edge.

Requests (centre → edge, ``<root>/<edge>/evidence_req``), JSON::

    {"v": 1, "type": "open", "transfer_id": "<32 hex>", "kind": "clip",
     "item_id": "...", "incident_id": "..."}
    {"v": 1, "type": "range", "transfer_id": "...", "kind": "clip", "item_id": "...",
     "incident_id": "...", "sha256": "<hex>", "offset": 0, "length": 1048576}

    {"v": 1, "type": "list", "transfer_id": "...", "incident_id": "..."}

``list`` asks for the clips the edge has of an incident (answered by a ``listing``);
``open`` asks for the manifest; ``range`` for the bytes ``[offset, offset+length)`` of the
file the manifest described (``sha256`` names it: an edge whose file changed since answers
``changed``). Every request names the item again, so the edge keeps no state per transfer.

Replies (edge → centre, ``<root>/<edge>/evidence``) are frames: a JSON header, one
newline, then the body (only a chunk has one; compact JSON never holds a raw newline)::

    {"v":1,"type":"manifest","transfer_id":…,"size":N,"sha256":…,"content_type":…,"name":…}
    {"v":1,"type":"chunk","transfer_id":…,"offset":N,"length":L,"sha256":<of the body>}\\n<L bytes>
    {"v":1,"type":"error","transfer_id":…,"reason":"not_found","detail":"…"}
    {"v":1,"type":"listing","transfer_id":…,"incident_id":…,"clips":[{"id":…,"camera_id":…,
     "start":…,"end":…,"around_event_id":…|null,"default":false}, …]}

Parsing is strict (exact keys and types, bounded sizes and texts); a
:class:`~kordon.link.errors.CodecError` says what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from kordon.link.errors import CodecError

VERSION: Final = 1
MAX_CHUNK_BYTES = 256 * 1024
"""The largest chunk body: a chunk over it is refused (``oversize``)."""
MAX_RANGE_BYTES = 16 * MAX_CHUNK_BYTES
"""The most one range request may ask for (what may be in flight per transfer)."""
MAX_FILE_BYTES = 16 * 1024**3
"""The largest file a manifest may announce."""
MAX_REQUEST_BYTES = 4096
MAX_LISTED_CLIPS = 100
MAX_HEADER_BYTES = 64 * 1024
"""Room for a listing of :data:`MAX_LISTED_CLIPS` clips."""

_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
_HEX32 = r"^[0-9a-f]{32}$"
_HEX64 = r"^[0-9a-f]{64}$"
_CONTENT_TYPE = r"^[a-z]+/[a-z0-9.+-]{1,100}$"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class EvidenceKind(StrEnum):
    CLIP = "clip"
    EXPORT = "export"


class ErrorReason(StrEnum):
    NOT_FOUND = "not_found"
    """The edge has no such item (or it is not the named incident's)."""
    CHANGED = "changed"
    """The item's file is no longer the one the manifest described."""
    BAD_REQUEST = "bad_request"
    """The request is outside the file or over the limits."""
    BUSY = "busy"
    """The edge already serves its most ranges: ask again later."""
    FAILED = "failed"
    """The edge could not read or make the file."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


TransferId = Annotated[str, Field(pattern=_HEX32)]
ItemId = Annotated[str, Field(pattern=_ID)]
Sha256 = Annotated[str, Field(pattern=_HEX64)]


class OpenRequest(_Strict):
    v: Literal[1]
    type: Literal["open"]
    transfer_id: TransferId
    kind: EvidenceKind
    item_id: ItemId
    incident_id: ItemId | None


class RangeRequest(_Strict):
    v: Literal[1]
    type: Literal["range"]
    transfer_id: TransferId
    kind: EvidenceKind
    item_id: ItemId
    incident_id: ItemId | None
    sha256: Sha256
    offset: Annotated[int, Field(ge=0, le=MAX_FILE_BYTES)]
    length: Annotated[int, Field(ge=1, le=MAX_RANGE_BYTES)]


class Manifest(_Strict):
    v: Literal[1]
    type: Literal["manifest"]
    transfer_id: TransferId
    size: Annotated[int, Field(ge=0, le=MAX_FILE_BYTES)]
    sha256: Sha256
    content_type: Annotated[str, Field(pattern=_CONTENT_TYPE)]
    name: Annotated[str, Field(pattern=_NAME)]


class _ChunkHeader(_Strict):
    v: Literal[1]
    type: Literal["chunk"]
    transfer_id: TransferId
    offset: Annotated[int, Field(ge=0, le=MAX_FILE_BYTES)]
    length: Annotated[int, Field(ge=1)]
    sha256: Sha256


class EdgeError(_Strict):
    v: Literal[1]
    type: Literal["error"]
    transfer_id: TransferId
    reason: ErrorReason
    detail: Annotated[str, Field(max_length=500)]


@dataclass(frozen=True, slots=True)
class Chunk:
    transfer_id: str
    offset: int
    data: bytes

    @property
    def end(self) -> int:
        return self.offset + len(self.data)


class ListRequest(_Strict):
    v: Literal[1]
    type: Literal["list"]
    transfer_id: TransferId
    incident_id: ItemId


class ListedClip(_Strict):
    id: ItemId
    camera_id: ItemId
    start: AwareDatetime
    end: AwareDatetime
    around_event_id: ItemId | None
    """The event a crossing clip is cut around; ``None`` for a whole-incident clip."""
    default: bool


class Listing(_Strict):
    v: Literal[1]
    type: Literal["listing"]
    transfer_id: TransferId
    incident_id: ItemId
    clips: Annotated[tuple[ListedClip, ...], Field(max_length=MAX_LISTED_CLIPS)]


Request = OpenRequest | RangeRequest | ListRequest
Reply = Manifest | Chunk | EdgeError | Listing

_REQUEST = TypeAdapter[Request](
    Annotated[OpenRequest | RangeRequest | ListRequest, Field(discriminator="type")]
)
_HEADER = TypeAdapter[Manifest | _ChunkHeader | EdgeError | Listing](
    Annotated[Manifest | _ChunkHeader | EdgeError | Listing, Field(discriminator="type")]
)


def _explain(what: str, exc: ValidationError) -> CodecError:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top)"
    return CodecError(f"{what}: {where}: {first['msg']}")


def _version_of(header: bytes, what: str) -> None:
    """Name an unknown version plainly (the models would only say ``v`` is wrong)."""
    try:
        document = json.loads(header)
    except (ValueError, RecursionError) as exc:
        raise CodecError(f"{what}: not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise CodecError(f"{what}: not a JSON object")
    version = document.get("v")
    if version != VERSION or isinstance(version, bool):
        raise CodecError(f"{what}: unknown version {version!r} (this Kordon reads {VERSION})")


def _dump(model: BaseModel) -> bytes:
    return model.model_dump_json(exclude_none=False).encode()


# -- requests (centre → edge) -------------------------------------------------------------------


def encode_request(request: Request) -> bytes:
    return _dump(request)


def decode_request(payload: bytes) -> Request:
    if len(payload) > MAX_REQUEST_BYTES:
        raise CodecError(f"evidence request: {len(payload)} bytes, over {MAX_REQUEST_BYTES}")
    _version_of(payload, "evidence request")
    try:
        return _REQUEST.validate_json(payload)
    except ValidationError as exc:
        raise _explain("evidence request", exc) from exc


# -- replies (edge → centre) --------------------------------------------------------------------


def encode_reply(reply: Reply) -> bytes:
    if isinstance(reply, Chunk):
        if not 1 <= len(reply.data) <= MAX_CHUNK_BYTES:
            raise ValueError(f"a chunk holds 1..{MAX_CHUNK_BYTES} bytes, not {len(reply.data)}")
        header = _ChunkHeader(
            v=VERSION,
            type="chunk",
            transfer_id=reply.transfer_id,
            offset=reply.offset,
            length=len(reply.data),
            sha256=hashlib.sha256(reply.data).hexdigest(),
        )
        return _dump(header) + b"\n" + reply.data
    return _dump(reply) + b"\n"


def decode_reply(payload: bytes) -> Reply:
    """A manifest, a chunk (its length and hash checked against its header) or an error."""
    cut = payload.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if cut < 0:
        raise CodecError(f"evidence reply: no header line within {MAX_HEADER_BYTES} bytes")
    header_bytes, body = payload[:cut], payload[cut + 1 :]
    _version_of(header_bytes, "evidence reply")
    try:
        header = _HEADER.validate_json(header_bytes)
    except ValidationError as exc:
        raise _explain("evidence reply", exc) from exc
    if not isinstance(header, _ChunkHeader):
        if body:
            raise CodecError(f"evidence {header.type}: {len(body)} unexpected bytes after it")
        return header
    if header.length > MAX_CHUNK_BYTES:
        raise CodecError(f"evidence chunk: oversize, {header.length} bytes > {MAX_CHUNK_BYTES}")
    if len(body) != header.length:
        raise CodecError(f"evidence chunk: header says {header.length} bytes, body has {len(body)}")
    if hashlib.sha256(body).hexdigest() != header.sha256:
        raise CodecError(f"evidence chunk at {header.offset}: body does not match its sha256")
    return Chunk(header.transfer_id, header.offset, body)
