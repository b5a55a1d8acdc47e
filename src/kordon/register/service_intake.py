"""Intake: registering serials, one at a time or a whole imported table (all or none)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import JsonValue
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kordon.domain.time import require_utc
from kordon.register.asset import Asset, NewAsset
from kordon.register.history import HistoryKind
from kordon.register.mapping import asset_from_row
from kordon.register.plan import ImportPlan, ImportResult, plan_import
from kordon.register.search import search_text
from kordon.register.service_base import RegisterServiceBase, new_id
from kordon.register.spreadsheet import Table
from kordon.store.models_register import (
    RegisterAssetRow,
    RegisterDeliveryRow,
    RegisterHistoryRow,
    RegisterLineRow,
)


class IntakeService(RegisterServiceBase):
    """Register one serial or import a parsed table in one transaction."""

    def register(
        self, asset: NewAsset, *, actor: str, time: datetime, source: str = "api"
    ) -> Asset:
        """Register one serial (as an import of one row would)."""
        time = require_utc(time)
        table = Table(file=source, columns=[])
        with self._tx(f"registering {asset.serial}") as session:
            plan = plan_import(
                session,
                table,
                [(0, asset)],
                time=time,
                actor=actor,
                site=self._site,
            )
            self._apply(session, plan, actor=actor, time=time, source=source)
            row = session.scalars(
                select(RegisterAssetRow).where(RegisterAssetRow.serial == asset.serial)
            ).one()
            return asset_from_row(row)

    def import_table(
        self,
        table: Table,
        parsed: list[tuple[int, NewAsset]],
        *,
        actor: str,
        time: datetime,
        file_sha256: str | None,
    ) -> ImportResult:
        """Write every parsed row in one transaction, or nothing (``ImportRefusedError``)."""
        time = require_utc(time)
        with self._tx(f"importing {table.file}") as session:
            plan = plan_import(session, table, parsed, time=time, actor=actor, site=self._site)
            return self._apply(
                session, plan, actor=actor, time=time, source=table.file, file_sha256=file_sha256
            )

    def _apply(
        self,
        session: Session,
        plan: ImportPlan,
        *,
        actor: str,
        time: datetime,
        source: str,
        file_sha256: str | None = None,
    ) -> ImportResult:
        import_id = new_id()
        if plan.lines:
            session.execute(insert(RegisterLineRow), plan.lines)
        if plan.deliveries:
            session.execute(insert(RegisterDeliveryRow), plan.deliveries)
        assets: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for item in plan.assets:
            asset_id = new_id()
            new = item.asset
            dep = new.deployment
            assets.append(
                {
                    "id": asset_id,
                    "serial": new.serial,
                    "project_id": new.project_id,
                    "line_id": item.line_id,
                    "category": str(new.category),
                    "model": new.details.model,
                    "vendor": new.details.vendor,
                    "lot": new.details.lot,
                    "warranty_until": new.details.warranty_until,
                    "delivery_id": item.delivery_id,
                    "status": str(new.status),
                    "holder_id": new.holder_id,
                    "sector_id": dep.sector_id if dep else None,
                    "outpost": dep.outpost if dep else None,
                    "position": dep.position if dep else None,
                    "device_id": dep.device_id if dep else None,
                    "status_report": new.report,
                    "search_text": search_text(
                        new.serial, new.details.model, new.details.vendor, new.details.lot
                    ),
                    "last_check_at": None,
                    "created_at": time,
                    "updated_at": time,
                    "version": 1,
                }
            )
            history.append(
                {
                    "asset_id": asset_id,
                    "time": time,
                    "recorded_at": time,
                    "actor": actor,
                    "kind": str(HistoryKind.REGISTERED),
                    "data": {
                        "import_id": import_id,
                        "source": source,
                        "row": item.row,
                        "status": str(new.status),
                        "delivered_on": new.delivered_on.isoformat(),
                        "received_by": new.received_by,
                        "holder_id": new.holder_id,
                        "outpost": dep.outpost if dep else None,
                        "sector_id": dep.sector_id if dep else None,
                        "device_id": dep.device_id if dep else None,
                        "report": new.report,
                    },
                    "corrects": None,
                }
            )
        if assets:
            session.execute(insert(RegisterAssetRow), assets)
            session.execute(insert(RegisterHistoryRow), history)
        details: dict[str, JsonValue] = {
            "import_id": import_id,
            "assets": len(assets),
            "lines_created": len(plan.lines),
            "deliveries": len(plan.deliveries),
            "serials_sha256": plan.serials_sha256,
        }
        if file_sha256 is not None:
            details["file_sha256"] = file_sha256
        if len(assets) == 1:
            details["serial"] = assets[0]["serial"]
        self._record(actor, "assets.import", f"import:{source}"[:256], details, time)
        return ImportResult(
            import_id=import_id,
            file=source,
            assets=len(assets),
            lines_created=len(plan.lines),
            deliveries=len(plan.deliveries),
        )
