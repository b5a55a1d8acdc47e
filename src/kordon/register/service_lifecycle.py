"""Lifecycle: deploying an asset, setting its status, correcting its recorded details."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kordon.domain.time import require_utc
from kordon.register.asset import Asset, AssetDetails, Deployment
from kordon.register.categories import Category
from kordon.register.errors import RegisterConflictError, RegisterInputError, RegisterNotFoundError
from kordon.register.history import HistoryKind
from kordon.register.mapping import asset_from_row
from kordon.register.search import search_text
from kordon.register.service_base import RegisterServiceBase
from kordon.register.status import AssetStatus
from kordon.store.models_register import RegisterAssetRow, RegisterHistoryRow

SETTABLE = frozenset(
    {AssetStatus.IN_STORE, AssetStatus.UNDER_REPAIR, AssetStatus.LOST, AssetStatus.DESTROYED}
)
"""Statuses set directly; ``deployed`` comes from :meth:`deploy`, ``issued`` from a transfer."""


class LifecycleService(RegisterServiceBase):
    """Deploy, set the status of, and correct an asset; each a new history entry."""

    def _check_device(self, session: Session, asset: RegisterAssetRow, device_id: str) -> None:
        if not Category(asset.category).networked:
            raise RegisterInputError(
                f"asset {asset.serial} is a {asset.category}: only cameras, recorders, drones, "
                "ground sensors and radars are linked to devices"
            )
        known = self._site.device_ids
        if known is not None and device_id not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise RegisterInputError(
                f"device {device_id!r} is not configured in the site file (known: {listed})"
            )
        other = session.scalars(
            select(RegisterAssetRow.serial).where(
                RegisterAssetRow.device_id == device_id, RegisterAssetRow.id != asset.id
            )
        ).first()
        if other is not None:
            raise RegisterConflictError(f"device {device_id!r} is already linked to asset {other}")

    def _check_sector(self, sector_id: str | None) -> None:
        known = self._site.sector_ids
        if sector_id is not None and known is not None and sector_id not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise RegisterInputError(f"unknown sector {sector_id!r} (sectors: {listed})")

    def deploy(
        self,
        serial: str,
        deployment: Deployment,
        *,
        actor: str,
        time: datetime,
        recorded_at: datetime | None = None,
    ) -> Asset:
        time = require_utc(time)
        recorded = require_utc(recorded_at or time)
        if not deployment.outpost.strip():
            raise RegisterInputError("a deployment needs an outpost")
        self._check_sector(deployment.sector_id)
        with self._tx(f"deploying {serial}") as session:
            row = self._asset_row(session, serial)
            status = AssetStatus(row.status)
            if status not in (AssetStatus.IN_STORE, AssetStatus.DEPLOYED, AssetStatus.UNDER_REPAIR):
                raise RegisterConflictError(
                    f"asset {serial} is {status}; only equipment in store, deployed or back "
                    "from repair can be deployed (return issued equipment to the store first)"
                )
            if deployment.device_id is not None:
                self._check_device(session, row, deployment.device_id)
            row.status = str(AssetStatus.DEPLOYED)
            row.outpost = deployment.outpost
            row.sector_id = deployment.sector_id
            row.position = deployment.position
            row.device_id = deployment.device_id
            row.status_report = None
            self._touch(row, recorded)
            data = {
                "outpost": deployment.outpost,
                "sector_id": deployment.sector_id,
                "position": deployment.position,
                "device_id": deployment.device_id,
            }
            self._history(
                session,
                row.id,
                HistoryKind.DEPLOYED,
                actor=actor,
                time=time,
                recorded_at=recorded,
                data=data,
            )
            session.flush()
            self._record(actor, "asset.deploy", f"asset:{serial}", dict(data), time)
            return asset_from_row(row)

    def set_status(
        self,
        serial: str,
        status: AssetStatus,
        *,
        report: str | None,
        actor: str,
        time: datetime,
        recorded_at: datetime | None = None,
    ) -> Asset:
        """Set in store, under repair, lost or destroyed (the last two need a report)."""
        time = require_utc(time)
        recorded = require_utc(recorded_at or time)
        if status not in SETTABLE:
            raise RegisterInputError(
                f"status {status} is not set directly: deploy the asset, or transfer it"
            )
        report = (report or "").strip() or None
        if status.needs_report and report is None:
            raise RegisterInputError(f"status {status} needs a report")
        if report is not None and len(report) > 4000:
            raise RegisterInputError("the report is longer than 4000 characters")
        with self._tx(f"setting status of {serial}") as session:
            row = self._asset_row(session, serial)
            current = AssetStatus(row.status)
            if current is AssetStatus.DESTROYED:
                raise RegisterConflictError(
                    f"asset {serial} is destroyed; a mistaken entry is fixed by a correction"
                )
            if current is AssetStatus.ISSUED and status is AssetStatus.IN_STORE:
                raise RegisterConflictError(
                    f"asset {serial} is issued to {row.holder_id}: return it by a transfer"
                )
            row.status = str(status)
            row.status_report = report
            if status is not AssetStatus.UNDER_REPAIR and status is not AssetStatus.LOST:
                row.outpost = row.sector_id = row.position = row.device_id = None
            if status is AssetStatus.IN_STORE:
                row.holder_id = None
            self._touch(row, recorded)
            data = {"from": str(current), "to": str(status), "report": report}
            self._history(
                session,
                row.id,
                HistoryKind.STATUS,
                actor=actor,
                time=time,
                recorded_at=recorded,
                data=data,
            )
            session.flush()
            self._record(actor, "asset.status", f"asset:{serial}", dict(data), time)
            return asset_from_row(row)

    def correct(
        self,
        serial: str,
        details: AssetDetails,
        *,
        reason: str,
        corrects: int | None = None,
        actor: str,
        time: datetime,
    ) -> Asset:
        """Correct what was recorded about a serial (model, vendor, lot, warranty); the
        earlier entries stay as they were, the correction is a new entry."""
        time = require_utc(time)
        if not reason.strip():
            raise RegisterInputError("a correction needs a reason")
        with self._tx(f"correcting {serial}") as session:
            row = self._asset_row(session, serial)
            if corrects is not None:
                target = session.get(RegisterHistoryRow, corrects)
                if target is None or target.asset_id != row.id:
                    raise RegisterNotFoundError(
                        f"no history entry {corrects} of asset {serial} to correct"
                    )
            before = {
                "model": row.model,
                "vendor": row.vendor,
                "lot": row.lot,
                "warranty_until": row.warranty_until.isoformat() if row.warranty_until else None,
            }
            row.model = details.model
            row.vendor = details.vendor
            row.lot = details.lot
            row.warranty_until = details.warranty_until
            row.search_text = search_text(row.serial, details.model, details.vendor, details.lot)
            self._touch(row, time)
            after = {
                "model": details.model,
                "vendor": details.vendor,
                "lot": details.lot,
                "warranty_until": (
                    details.warranty_until.isoformat() if details.warranty_until else None
                ),
            }
            data = {"before": before, "after": after, "reason": reason.strip()}
            self._history(
                session,
                row.id,
                HistoryKind.CORRECTED,
                actor=actor,
                time=time,
                recorded_at=time,
                data=data,
                corrects=corrects,
            )
            session.flush()
            self._record(
                actor,
                "asset.correct",
                f"asset:{serial}",
                {"reason": reason.strip(), "corrects": corrects, "after": dict(after)},
                time,
            )
            return asset_from_row(row)
