"""Delivery documents (delivery notes, invoices, acceptance certificates): validated before
anything is stored, kept by content hash.

The type is sniffed from the content, never taken from the file name or the client: a PDF
(``%PDF-`` and an ``%%EOF`` near the end), or a JPEG, PNG or WebP image that fully decodes
(``photos.check_photo``). Anything else is refused, which includes office files (macros),
archives, HTML and scripts. Files are written under ``<dir>/<sha256[:2]>/<sha256>.<ext>``
(``PhotoStore``'s layout) through a temporary file and a rename.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from pydantic import JsonValue

from kordon.register.errors import RegisterInputError
from kordon.register.photos import check_photo

DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_NAME = 200
MAX_DOCUMENTS = 100
"""Documents per delivery."""
_PDF_TAIL = 1024


@dataclass(frozen=True, slots=True)
class CheckedDocument:
    data: bytes
    sha256: str
    content_type: str
    extension: str
    name: str


@dataclass(frozen=True, slots=True)
class DeliveryDocument:
    """One document attached to a delivery (as kept in the delivery's row)."""

    name: str
    sha256: str
    content_type: str
    size_bytes: int
    attached_at: datetime
    attached_by: str


def clean_name(file_name: str) -> str:
    """The file's base name, without folders or control characters; refused when empty."""
    base = PureWindowsPath(PurePosixPath(file_name).name).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if not base:
        raise RegisterInputError("the document has no file name")
    if len(base) > MAX_NAME:
        raise RegisterInputError(f"the file name is longer than {MAX_NAME} characters")
    return base


def check_document(
    data: bytes, file_name: str, *, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> CheckedDocument:
    """``data`` validated as a delivery document; ``RegisterInputError`` saying why not."""
    name = clean_name(file_name)
    if len(data) == 0:
        raise RegisterInputError(f"{name}: the document is empty")
    if len(data) > max_bytes:
        raise RegisterInputError(
            f"{name}: the document is {len(data)} bytes; at most {max_bytes} bytes are accepted"
        )
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-_PDF_TAIL:]:
            raise RegisterInputError(f"{name}: the PDF is truncated (no %%EOF at its end)")
        content_type, extension = "application/pdf", "pdf"
    elif data[:4] in (b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"\xff\xd8\xff\xdb") or (
        data.startswith((b"\x89PNG\r\n\x1a\n", b"RIFF"))
    ):
        try:
            image = check_photo(data, max_bytes=max_bytes)
        except RegisterInputError as exc:
            raise RegisterInputError(f"{name}: {exc}".replace("the photo", "the image")) from None
        content_type, extension = image.content_type, image.extension
    else:
        raise RegisterInputError(f"{name}: {_describe(data)}; a PDF, JPEG, PNG or WebP expected")
    return CheckedDocument(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        extension=extension,
        name=name,
    )


def _describe(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        return "the document is a ZIP container (an office file or an archive)"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "the document is an old office file (it may hold macros)"
    if data.startswith((b"MZ", b"\x7fELF")):
        return "the document is a program"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<svg")):
        return "the document is markup (HTML, XML or SVG)"
    return "the document's type is not recognised"


def document_record(document: CheckedDocument, *, actor: str, time: datetime) -> DeliveryDocument:
    return DeliveryDocument(
        name=document.name,
        sha256=document.sha256,
        content_type=document.content_type,
        size_bytes=len(document.data),
        attached_at=time,
        attached_by=actor,
    )


@dataclass(frozen=True, slots=True)
class Delivery:
    """A consignment received, with the documents attached to it; ``sources`` names the
    imported files its serials came from."""

    id: str
    project_id: str
    delivered_on: date
    received_by: str
    documents: tuple[DeliveryDocument, ...]
    sources: tuple[str, ...]


def document_entry(document: DeliveryDocument) -> dict[str, JsonValue]:
    """How a document is kept in the delivery's row."""
    return {
        "name": document.name,
        "sha256": document.sha256,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "attached_at": document.attached_at.isoformat(),
        "attached_by": document.attached_by,
    }


def delivery_from_columns(
    id: str,
    project_id: str,
    delivered_on: date,
    received_by: str,
    entries: list[dict[str, Any]],
) -> Delivery:
    documents: list[DeliveryDocument] = []
    sources: list[str] = []
    for entry in entries:
        if "sha256" not in entry:
            sources.append(str(entry.get("name", "")))
            continue
        documents.append(
            DeliveryDocument(
                name=str(entry["name"]),
                sha256=str(entry["sha256"]),
                content_type=str(entry["content_type"]),
                size_bytes=int(entry["size_bytes"]),
                attached_at=datetime.fromisoformat(str(entry["attached_at"])),
                attached_by=str(entry["attached_by"]),
            )
        )
    return Delivery(
        id=id,
        project_id=project_id,
        delivered_on=delivered_on,
        received_by=received_by,
        documents=tuple(documents),
        sources=tuple(sources),
    )
