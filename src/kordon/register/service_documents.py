"""Delivery documents: files attached to the delivery a serial came in, kept by hash."""

from __future__ import annotations

from datetime import datetime

from pydantic import JsonValue
from sqlalchemy import select

from kordon.domain.time import require_utc
from kordon.register.documents import (
    MAX_DOCUMENTS,
    Delivery,
    check_document,
    delivery_from_columns,
    document_entry,
    document_record,
)
from kordon.register.errors import RegisterConflictError, RegisterInputError
from kordon.register.service_base import RegisterServiceBase
from kordon.store.models_register import RegisterAssetRow, RegisterDeliveryRow


class DocumentService(RegisterServiceBase):
    """Attach documents to deliveries and read them back."""

    def attach_document(
        self, serial: str, *, data: bytes, file_name: str, actor: str, time: datetime
    ) -> Delivery:
        """Attach a document to the delivery ``serial`` came in. The content is checked
        first (size, sniffed type); the file is kept by hash, the delivery's list of
        documents grows (nothing is replaced) and the ledger gets an entry with the hash."""
        time = require_utc(time)
        if self._documents is None:
            raise RegisterInputError("documents are not stored on this node (no directory)")
        checked = check_document(data, file_name, max_bytes=self.max_document_bytes)
        created = False
        try:
            with self._tx(f"attaching a document to the delivery of {serial}") as session:
                asset = self._asset_row(session, serial)
                if asset.delivery_id is None:
                    raise RegisterInputError(f"{serial} was registered without a delivery")
                delivery = session.scalars(
                    select(RegisterDeliveryRow)
                    .where(RegisterDeliveryRow.id == asset.delivery_id)
                    .with_for_update()
                ).one()
                entries = list(delivery.documents)
                if any(e.get("sha256") == checked.sha256 for e in entries):
                    raise RegisterConflictError(
                        f"{checked.name}: this document is already attached to the delivery"
                    )
                if sum(1 for e in entries if "sha256" in e) >= MAX_DOCUMENTS:
                    raise RegisterInputError(
                        f"the delivery already has {MAX_DOCUMENTS} documents, the most allowed"
                    )
                created = self._documents.save(checked)
                record = document_record(checked, actor=actor, time=time)
                delivery.documents = [*entries, document_entry(record)]
                details: dict[str, JsonValue] = {
                    "delivery_id": delivery.id,
                    "serial": serial,
                    **document_entry(record),
                }
                session.flush()
                self._record(actor, "delivery.document", f"delivery:{delivery.id}", details, time)
                return delivery_from_columns(
                    delivery.id,
                    delivery.project_id,
                    delivery.delivered_on,
                    delivery.received_by,
                    delivery.documents,
                )
        except BaseException:
            if created:
                self._documents.remove(checked.sha256, checked.extension)
            raise

    def delivery_of(self, serial: str) -> Delivery | None:
        """The delivery ``serial`` came in, with its documents; ``None`` if it has none."""
        with self._tx(f"reading the delivery of {serial}") as session:
            row = session.execute(
                select(
                    RegisterDeliveryRow.id,
                    RegisterDeliveryRow.project_id,
                    RegisterDeliveryRow.delivered_on,
                    RegisterDeliveryRow.received_by,
                    RegisterDeliveryRow.documents,
                )
                .join(RegisterAssetRow, RegisterAssetRow.delivery_id == RegisterDeliveryRow.id)
                .where(RegisterAssetRow.serial == serial)
            ).one_or_none()
            if row is None:
                return None
            return delivery_from_columns(row[0], row[1], row[2], row[3], row[4])

    def document(self, serial: str, sha256: str) -> tuple[bytes, str, str] | None:
        """(content, content type, name) of a document of ``serial``'s delivery."""
        delivery = self.delivery_of(serial)
        if delivery is None or self._documents is None:
            return None
        for doc in delivery.documents:
            if doc.sha256 == sha256:
                extension = {
                    "application/pdf": "pdf",
                    "image/jpeg": "jpg",
                    "image/png": "png",
                    "image/webp": "webp",
                }[doc.content_type]
                data = self._documents.read(sha256, extension)
                return None if data is None else (data, doc.content_type, doc.name)
        return None
