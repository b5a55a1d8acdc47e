"""End-use checks: who saw a serial where and when, with a stored photo."""

from __future__ import annotations

from datetime import datetime

from pydantic import JsonValue

from kordon.domain.time import require_utc
from kordon.register.check import EndUseCheck, GpsFix
from kordon.register.errors import RegisterInputError
from kordon.register.history import HistoryKind
from kordon.register.mapping import check_from_row
from kordon.register.photos import check_photo
from kordon.register.service_base import RegisterServiceBase, new_id
from kordon.store.models_register import RegisterCheckRow


class CheckService(RegisterServiceBase):
    """Record end-use checks and read their photos back."""

    def record_check(
        self,
        serial: str,
        *,
        fix: GpsFix,
        photo: bytes,
        note: str,
        actor: str,
        time: datetime,
        recorded_at: datetime | None = None,
    ) -> EndUseCheck:
        """Who saw ``serial`` where and when. The photo is validated first: a photo that is
        not an image, or too large, is refused and nothing is stored."""
        time = require_utc(time)
        recorded = require_utc(recorded_at or time)
        if time > recorded:
            raise RegisterInputError("the check's time is in the future")
        if len(note) > 2000:
            raise RegisterInputError("the note is longer than 2000 characters")
        if self._photos is None:
            raise RegisterInputError("photos are not stored on this node (no photo directory)")
        checked = check_photo(photo, max_bytes=self.max_photo_bytes)
        created = False
        try:
            with self._tx(f"recording a check of {serial}") as session:
                row = self._asset_row(session, serial)
                created = self._photos.save(checked)
                check = RegisterCheckRow(
                    id=new_id(),
                    asset_id=row.id,
                    time=time,
                    checked_by=actor,
                    lat=fix.lat,
                    lon=fix.lon,
                    accuracy_m=fix.accuracy_m,
                    photo_sha256=checked.sha256,
                    photo_type=checked.content_type,
                    photo_bytes=len(checked.data),
                    note=note,
                )
                session.add(check)
                if row.last_check_at is None or row.last_check_at < time:
                    row.last_check_at = time
                self._touch(row, recorded)
                data: dict[str, JsonValue] = {
                    "check_id": check.id,
                    "lat": fix.lat,
                    "lon": fix.lon,
                    "accuracy_m": fix.accuracy_m,
                    "photo_sha256": checked.sha256,
                }
                self._history(
                    session,
                    row.id,
                    HistoryKind.CHECKED,
                    actor=actor,
                    time=time,
                    recorded_at=recorded,
                    data=data,
                )
                session.flush()
                self._record(actor, "asset.check", f"asset:{serial}", dict(data), time)
                return check_from_row(check, row.serial)
        except BaseException:
            if created:
                self._photos.remove(checked.sha256, checked.extension)
            raise

    def photo(self, sha256: str, content_type: str) -> bytes | None:
        """A stored check photo's bytes."""
        if self._photos is None:
            return None
        extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
            content_type
        )
        return None if extension is None else self._photos.read(sha256, extension)
