"""``RegisterServiceBase``: what every kind of register change shares.

One database transaction per change (``_tx``), the append-only asset history
(``_history``), the evidence-ledger entry written just before the commit (``_record``), and
the locked read of an asset by serial. The concept modules (``service_funding``,
``service_intake``, ``service_lifecycle``, ``service_custody``, ``service_checks``,
``service_documents``) add their changes on top; ``service.RegisterService`` combines them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pydantic import JsonValue
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kordon.register.audit import RegisterAudit
from kordon.register.documents import DEFAULT_MAX_DOCUMENT_BYTES
from kordon.register.errors import RegisterInputError, RegisterNotFoundError
from kordon.register.history import HistoryKind
from kordon.register.photos import DEFAULT_MAX_PHOTO_BYTES, PhotoStore
from kordon.register.rows import ID_RE
from kordon.register.site import SiteDevices
from kordon.store.models_register import RegisterAssetRow, RegisterHistoryRow
from kordon.store.session import translate_errors


def new_id() -> str:
    """A fresh random id for an asset, transfer, check or import."""
    return uuid.uuid4().hex


def check_id(what: str, value: str) -> None:
    """Refuse an id that is not letters, digits, '.', '_' or '-' (at most 64)."""
    if not ID_RE.fullmatch(value):
        raise RegisterInputError(
            f"invalid {what} {value!r}: letters, digits, '.', '_' or '-', at most 64"
        )


class RegisterServiceBase:
    """The stores, site and limits every change needs, and the plumbing of a change."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        audit: RegisterAudit,
        *,
        photos: PhotoStore | None = None,
        site: SiteDevices | None = None,
        max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES,
        documents: PhotoStore | None = None,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._photos = photos
        if documents is None and photos is not None:
            documents = PhotoStore(photos.directory.parent / "documents")
        self._documents = documents
        """Delivery documents: a directory of their own, by default beside the photos'."""
        self.max_document_bytes = max_document_bytes
        self._site = site or SiteDevices()
        self.max_photo_bytes = max_photo_bytes

    # -- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def _tx(self, what: str) -> Iterator[Session]:
        with translate_errors(what), self._sessions.begin() as session:
            yield session

    def _record(
        self,
        actor: str,
        action: str,
        subject: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None:
        self._audit.record(actor, f"register.{action}", subject, "done", details, time)

    @staticmethod
    def _history(
        session: Session,
        asset_id: str,
        kind: HistoryKind,
        *,
        actor: str,
        time: datetime,
        recorded_at: datetime,
        data: dict[str, Any],
        corrects: int | None = None,
    ) -> RegisterHistoryRow:
        row = RegisterHistoryRow(
            asset_id=asset_id,
            time=time,
            recorded_at=recorded_at,
            actor=actor,
            kind=str(kind),
            data=data,
            corrects=corrects,
        )
        session.add(row)
        return row

    @staticmethod
    def _asset_row(session: Session, serial: str) -> RegisterAssetRow:
        row = session.scalars(
            select(RegisterAssetRow).where(RegisterAssetRow.serial == serial).with_for_update()
        ).one_or_none()
        if row is None:
            raise RegisterNotFoundError(f"no asset with serial {serial!r}")
        return row

    @staticmethod
    def _touch(row: RegisterAssetRow, recorded_at: datetime) -> None:
        row.updated_at = recorded_at
        row.version += 1
