"""``RegisterContext``: the register's writer, reader and queries, built once by the
composition root and handed to the API (``ApiContext.register``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from kordon.register.audit import RegisterAudit
from kordon.register.photos import DEFAULT_MAX_PHOTO_BYTES, PhotoStore
from kordon.register.queries import RegisterQueries
from kordon.register.reader import RegisterReader
from kordon.register.service import RegisterService
from kordon.register.site import SiteDevices


@dataclass(frozen=True, slots=True)
class RegisterContext:
    service: RegisterService
    reader: RegisterReader
    queries: RegisterQueries
    sessions: sessionmaker[Session]

    @classmethod
    def build(
        cls,
        sessions: sessionmaker[Session],
        audit: RegisterAudit,
        *,
        photos: PhotoStore | None,
        site: SiteDevices,
        max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES,
        documents: PhotoStore | None = None,
    ) -> RegisterContext:
        """``documents``: where delivery documents are kept; default: beside the photos."""
        return cls(
            service=RegisterService(
                sessions,
                audit,
                photos=photos,
                site=site,
                max_photo_bytes=max_photo_bytes,
                documents=documents,
            ),
            reader=RegisterReader(sessions),
            queries=RegisterQueries(sessions),
            sessions=sessions,
        )
