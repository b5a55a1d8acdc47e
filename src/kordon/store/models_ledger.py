"""ORM table of the evidence ledger's database witness: the latest signed tree head.

Created by migration ``0006_ledger_witness``; a test compares these models with the migrations. The
ledger itself lives in files (``<data_dir>/ledger``); this row lets a start or a
verification notice a ledger cut back to an earlier head.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import UTCDateTime
from kordon.store.models import NAME, Base


class LedgerWitnessRow(Base):
    """The latest signed tree head of one ledger (every field of it, signature included)."""

    __tablename__ = "ledger_witness"

    ledger: Mapped[str] = mapped_column(NAME, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_sha256: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
